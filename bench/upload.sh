#!/usr/bin/env bash
# Upload throughput benchmark, run by bench/run.sh (or alone after `dotnet build Reel.slnx -c Release`:
# bash bench/upload.sh; it makes the 1 GiB file when run.sh has not).
#
# One video of about 1 GiB sent over loopback to a fresh Reel node (api role only, so no processing competes):
#   - a plain POST /api/videos, streamed by curl;
#   - tus, with `reel upload` and its default request size;
# beside dd writing the same file to the same disk with conv=fsync: the disk's own speed, the ceiling for an upload
# that answers only once the bytes are durably stored. The source file is read from the page cache in every case.
# Each node is started fresh, so its VmHWM is the peak resident memory of that one upload.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/bench/out"
WORK="$OUT/upload"
SERVER="$ROOT/src/Reel.Server/bin/Release/net10.0/Reel.Server.dll"
CLI="$ROOT/src/Reel.Cli/bin/Release/net10.0/reel.dll"
BIG=${1:-$OUT/media/upload-1gib-rawvideo.mkv}
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

for tool in curl dd ffmpeg dotnet; do command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (make bench installs it)"; done
[ -f "$SERVER" ] && [ -f "$CLI" ] || die "build first: dotnet build Reel.slnx -c Release"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_started
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$WORK"
mkdir -p "$WORK" "$(dirname "$BIG")"
if [ ! -s "$BIG" ]; then
  echo "upload: generating a 1 GiB rawvideo MKV ..." >&2
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=30" -frames:v 3000 \
    -c:v rawvideo -pix_fmt yuv420p "$BIG.partial.mkv"
  mv "$BIG.partial.mkv" "$BIG"
fi
bytes=$(stat -c %s "$BIG")
cat "$BIG" >/dev/null # in the page cache for every contender alike

now() { date +%s.%N; }
mbps() { $PY -c "print(f'{$bytes / 1e6 / $1:.0f}')"; }

echo "upload: dd conv=fsync ..." >&2
sync
started=$(now)
dd if="$BIG" of="$WORK/dd.bin" bs=1M conv=fsync status=none
dd_seconds=$($PY -c "print($(now) - $started)")
rm -f "$WORK/dd.bin"

echo "upload: plain POST ..." >&2
sync
start_reel post --Roles api
post_idle=$(memory_mb "$REEL_PID")
started=$(now)
status=$(curl -sS -o "$WORK/post.json" -w '%{http_code}' -X POST -T "$BIG" -H 'Content-Type: video/x-matroska' "http://127.0.0.1:$REEL_PORT/api/videos")
post_seconds=$($PY -c "print($(now) - $started)")
[ "$status" = 201 ] || die "the POST answered $status: $(cat "$WORK/post.json")"
post_memory=$(memory_mb "$REEL_PID")
stop_process "$REEL_PID"

echo "upload: tus with reel upload ..." >&2
sync
start_reel tus --Roles api
tus_idle=$(memory_mb "$REEL_PID")
started=$(now)
REEL_CONFIG_DIR="$WORK/cli-config" dotnet "$CLI" upload --no-wait --server "http://127.0.0.1:$REEL_PORT" "$BIG" >"$WORK/tus.out" 2>"$WORK/tus.err" \
  || die "reel upload failed: $(cat "$WORK/tus.err")"
tus_seconds=$($PY -c "print($(now) - $started)")
tus_memory=$(memory_mb "$REEL_PID")
stop_process "$REEL_PID"

hwm() { echo "$1" | sed -E 's/.*VmHWM:=([0-9]+).*/\1/'; }
rss() { echo "$1" | sed -E 's/.*VmRSS:=([0-9]+).*/\1/'; }
cat <<TABLE

## Upload throughput ($bytes-byte video over loopback, fresh api-only node for each)

| Upload | seconds | MB/s | vs dd conv=fsync | server idle RSS | server peak RSS (VmHWM) |
|---|---|---|---|---|---|
| dd bs=1M conv=fsync, same file, same disk — baseline | $(printf %.2f "$dd_seconds") | $(mbps "$dd_seconds") | — | — | — |
| plain POST /api/videos (curl -T) | $(printf %.2f "$post_seconds") | $(mbps "$post_seconds") | $(ratio "$dd_seconds" "$post_seconds") | $(rss "$post_idle") MB | $(hwm "$post_memory") MB |
| tus (reel upload, 64 MiB requests) | $(printf %.2f "$tus_seconds") | $(mbps "$tus_seconds") | $(ratio "$dd_seconds" "$tus_seconds") | $(rss "$tus_idle") MB | $(hwm "$tus_memory") MB |

Seconds run from the first byte sent to the server's answer that the video is stored (201, or the last tus PATCH),
and include the client's start for reel. The ratios are dd's time over the upload's: 1.00x would be disk speed.
TABLE
