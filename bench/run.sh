#!/usr/bin/env bash
# Reel benchmark: time to playable and time to ready against ffmpeg baselines, and the server's peak memory
# during a 1 GiB upload, all in one run on this machine. `make bench` runs it from the repository root.
#
# Needs only dotnet, ffmpeg/ffprobe and coreutils. Test media is generated into bench/out/ (git-ignored)
# on the first run and reused afterwards. The measuring is done by bench/Reel.Bench (a console program using
# Reel.Media, so the baseline ladder uses exactly Reel's ffmpeg arguments, and tests/Reel.Testing, so it starts and
# stops servers exactly as the tests do); this script prepares, builds, runs it and cleans up.
#
# BENCH_ROUNDS (default 3) is how many times Reel, the separate-process ladder and Reel's ladder command run alone
# (one ffmpeg process, no server) alternate; each is judged by its fastest round.
#
# The watch rows open a new upload's watch page in headless Chromium (Debian's chromium, driven by the NuGet
# Microsoft.Playwright the tests use) at the 201 and time its first frame and stalls, on an idle server and while
# another video's ladder encodes. They need chromium and the web UI bundle (built here with `make web` if stale).
# BENCH_ONLY=watch runs only those (about 5 minutes instead of 20); unset, everything runs. BENCH_ONLY=smoke generates
# no media and measures nothing: it builds the server and the bench and has the bench start one server (as every row
# does, with the tests' launcher from tests/Reel.Testing), ask it a question and stop it, to check the bench still runs.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/bench/out"
MEDIA="$OUT/media"
PIDFILE="$OUT/pids"
mkdir -p "$MEDIA"

die() { echo "bench: $*" >&2; exit 1; }

ONLY=${BENCH_ONLY:-}
case "$ONLY" in
  "" | all) ONLY="" ;;
  watch | smoke) ;;
  *) die "BENCH_ONLY=$ONLY: the rows that run alone are 'watch' and 'smoke'; leave it unset for everything" ;;
esac

command -v dotnet >/dev/null 2>&1 || die "dotnet is not installed: install the .NET 10 SDK"
for tool in ffmpeg ffprobe; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed: on Debian, apt-get install ffmpeg (or run 'make bench', which installs it)"
done
[ "$ONLY" = smoke ] || [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is not installed: on Debian, apt-get install chromium (or run 'make bench', which installs it)"

# Prints PID and the PIDs of all its descendants (from the parent field of /proc/*/stat).
process_tree() {
  local -A children=()
  local file line pid ppid
  for file in /proc/[0-9]*/stat; do
    read -r line < "$file" 2>/dev/null || continue
    pid=${line%% *}
    read -r _ ppid _ <<< "${line##*) }"
    children[$ppid]+="$pid "
  done
  local queue=("$1") next
  while [ ${#queue[@]} -gt 0 ]; do
    next=${queue[0]}
    queue=("${queue[@]:1}")
    echo "$next"
    # shellcheck disable=SC2206
    queue+=(${children[$next]:-})
  done
}

# Every process this script or the bench program starts is killed on exit, whatever the exit path.
BENCH_PID=""
GEN_PID="" # a media generation or a build-retry pause in progress
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ "$status" -eq 0 ] || echo "bench: stopped with exit status $status; killing what it started" >&2
  if [ -n "$GEN_PID" ] && kill -0 "$GEN_PID" 2>/dev/null; then
    kill "$GEN_PID" 2>/dev/null || true
    wait "$GEN_PID" 2>/dev/null || true
  fi
  if [ -n "$BENCH_PID" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
    # The bench program kills its servers and ffmpeg runs on SIGTERM; the pid file below is the safety net.
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$BENCH_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  if [ -f "$PIDFILE" ]; then
    # Lines are "pid starttime": a pid is only killed if it is still the very process the bench started, and
    # with it everything it started (a server's ffmpeg), collected before any is killed so none is orphaned.
    local doomed=()
    while read -r pid start; do
      [ -n "$pid" ] || continue
      if [ -r "/proc/$pid/stat" ] && [ "$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null)" = "$start" ]; then
        mapfile -t -O "${#doomed[@]}" doomed < <(process_tree "$pid")
      fi
    done < "$PIDFILE"
    [ ${#doomed[@]} -eq 0 ] || kill -KILL "${doomed[@]}" 2>/dev/null || true
    rm -f "$PIDFILE"
  fi
  rm -f "$MEDIA"/*.partial.*
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs ffmpeg into a temporary name and renames it into place, so an interrupted run never leaves a half file
# that a later run would reuse.
generate() {
  local target=$1; shift
  if [ -s "$target" ]; then
    echo "reusing $(basename "$target")"
    return
  fi
  local partial="${target%.*}.partial.${target##*.}"
  echo "generating $(basename "$target") ..."
  local started=$SECONDS
  ffmpeg -nostdin -hide_banner -loglevel error -y "$@" "$partial" &
  GEN_PID=$!
  wait "$GEN_PID" || die "ffmpeg failed to generate $(basename "$target")"
  GEN_PID=""
  mv "$partial" "$target"
  echo "  done in $((SECONDS - started)) s, $(stat -c %s "$target") bytes"
}

H264="$MEDIA/source-1080p30-h264-aac.mp4"
VP9="$MEDIA/source-720p30-vp9-opus.webm"
BIG="$MEDIA/upload-1gib-rawvideo.mkv"
HLG="$MEDIA/source-2160p30-hevc-10bit-hlg-aac.mp4"
TENBIT60="$MEDIA/source-1080p60-h264-10bit-aac.mp4"

# The smoke run needs neither media nor the web UI.
if [ "$ONLY" != smoke ]; then
# 60 s 1080p30 H.264/AAC, 2 s GOP, about 8 Mb/s, index at the front.
generate "$H264" \
  -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=60" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=60" \
  -map 0:v -map 1:a -c:v libx264 -preset veryfast -g 60 -b:v 8M -maxrate 8M -bufsize 16M -pix_fmt yuv420p \
  -c:a aac -b:a 128k -ac 2 -movflags +faststart -shortest

# The VP9 source and the 1 GiB upload are only for the full run.
if [ -z "$ONLY" ]; then
  # 60 s 720p30 VP9/Opus WebM.
  generate "$VP9" \
    -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=60" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=60" \
    -map 0:v -map 1:a -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 2M -row-mt 1 -pix_fmt yuv420p \
    -c:a libopus -b:a 128k -shortest

  # A real video just under 1 GiB: 3000 frames of 640x360 yuv420p rawvideo is 1,036,800,000 bytes of frames.
  generate "$BIG" \
    -f lavfi -i "testsrc2=size=640x360:rate=30" -frames:v 3000 -c:v rawvideo -pix_fmt yuv420p
  big_size=$(stat -c %s "$BIG")
  if [ "$big_size" -lt 1000000000 ] || [ "$big_size" -gt 1073741824 ]; then
    die "$BIG is $big_size bytes, expected 1,000,000,000 to 1,073,741,824; delete it and run again"
  fi
fi

# The watch rows' sources, which no browser plays as they are. 20 s 4K HEVC 10-bit HLG, tagged BT.2020/HLG like a
# phone's HDR video (x265 ultrafast only to keep generation short; Reel decodes whatever preset made it):
generate "$HLG" \
  -f lavfi -i "testsrc2=size=3840x2160:rate=30:duration=20" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=20" \
  -map 0:v -map 1:a -vf "zscale=tin=bt709:pin=bt709:min=bt709:t=arib-std-b67:p=bt2020:m=bt2020nc:npl=100,format=yuv420p10le" \
  -c:v libx265 -preset ultrafast -x265-params log-level=error -b:v 25M -g 60 -pix_fmt yuv420p10le \
  -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -tag:v hvc1 \
  -c:a aac -b:a 128k -ac 2 -movflags +faststart -shortest

# and 30 s 1080p60 H.264 High 10 (yuv420p10le), 2 s GOP, about 12 Mb/s.
generate "$TENBIT60" \
  -f lavfi -i "testsrc2=size=1920x1080:rate=60:duration=30" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=30" \
  -map 0:v -map 1:a -c:v libx264 -preset veryfast -g 120 -b:v 12M -maxrate 12M -bufsize 24M -pix_fmt yuv420p10le \
  -c:a aac -b:a 128k -ac 2 -movflags +faststart -shortest

# The watch page is the web UI the server serves from beside its binary: make it current before the server is built.
echo "building the web UI if stale (make web) ..."
make -s -C "$ROOT" web >"$OUT/build-web.log" 2>&1 || { tail -n 20 "$OUT/build-web.log" >&2; die "could not build the web UI; see $OUT/build-web.log"; }
fi

echo "building Reel.Server and Reel.Bench (Release) ..."
build() {
  local project=$1 log="$OUT/build-$(basename "$1").log"
  for attempt in 1 2 3; do
    if dotnet build "$project" -c Release --nologo -v quiet >"$log" 2>&1; then return 0; fi
    echo "  build of $project failed (attempt $attempt of 3, log: $log)" >&2
    tail -n 5 "$log" >&2
    if [ "$attempt" -lt 3 ]; then
      # A build broken by someone's half-saved edit usually heals within a minute.
      echo "  retrying in 60 s" >&2
      sleep 60 &
      GEN_PID=$!
      wait "$GEN_PID" || true
      GEN_PID=""
    fi
  done
  die "could not build $project; see $log"
}
build src/Reel.Server
[ -n "$ONLY" ] || build src/Reel.Cli # for bench/upload.sh
build bench/Reel.Bench

rm -f "$PIDFILE"
if [ "$ONLY" = smoke ]; then
  dotnet bench/Reel.Bench/bin/Release/net10.0/Reel.Bench.dll \
    --server "$ROOT/src/Reel.Server/bin/Release/net10.0/Reel.Server.dll" \
    --out "$OUT" --pid-file "$PIDFILE" --nproc "$(nproc)" --only smoke &
  BENCH_PID=$!
  wait "$BENCH_PID"
  exit 0
fi
dotnet bench/Reel.Bench/bin/Release/net10.0/Reel.Bench.dll \
  --server "$ROOT/src/Reel.Server/bin/Release/net10.0/Reel.Server.dll" \
  --out "$OUT" --pid-file "$PIDFILE" --nproc "$(nproc)" \
  --h264 "$H264" --vp9 "$VP9" --big "$BIG" --hlg "$HLG" --tenbit60 "$TENBIT60" --only "${ONLY:-all}" \
  --rounds "${BENCH_ROUNDS:-3}" &
BENCH_PID=$!
wait "$BENCH_PID"
BENCH_PID=""

[ -z "$ONLY" ] || exit 0

# Segment delivery: Reel beside nginx (local disk) and beside Swift (S3), wrk in the same run.
bash "$ROOT/bench/delivery.sh" | tee -a "$OUT/results.md"

# Upload throughput: plain POST and tus beside dd on the same disk.
bash "$ROOT/bench/upload.sh" "$BIG" | tee -a "$OUT/results.md"
