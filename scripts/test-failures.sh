#!/usr/bin/env bash
# Prints the name and the first lines of the message of every failed test in the TRX files under a directory,
# so the end of a long test log (all a CI page may show) says what failed.
set -euo pipefail
shopt -s globstar nullglob

files=("${1:?usage: test-failures.sh RESULTS_DIR}"/**/*.trx)
[ ${#files[@]} -gt 0 ] || { echo "No test results under $1."; exit 0; }

awk '
  function unescape(s) {
    gsub(/&#xD;/, "", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "'"'"'", s)
    gsub(/&amp;/, "\\&", s); return s
  }
  /<UnitTestResult / && /outcome="Failed"/ {
    match($0, /testName="[^"]*"/); name = unescape(substr($0, RSTART + 10, RLENGTH - 11))
    printf "\nFAILED %s\n", name; failed++; want = 1; next
  }
  want && /<Message>/ { inMessage = 1; lines = 0; sub(/.*<Message>/, "") }
  inMessage {
    done = sub(/<\/Message>.*/, "")
    if (lines++ < 12) print "  " unescape($0)
    if (done) { inMessage = 0; want = 0 }
  }
  END { if (failed) printf "\n%d failed test(s), listed above.\n", failed }
' "${files[@]}"
