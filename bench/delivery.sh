#!/usr/bin/env bash
# Segment delivery benchmark, run by bench/run.sh (or alone: bash bench/delivery.sh after a Release build).
#
# One segment of a 1080p video, fetched by wrk (2 threads, 64 connections, BENCH_WRK_SECONDS each, default 10, after
# an uncounted warm-up of BENCH_WARMUP_SECONDS, default 5):
#   - Reel serving it from local disk, beside nginx serving the very same file;
#   - Reel serving it from S3 (Swift with s3api, proxy delivery), beside the same object fetched directly from Swift.
# Each pair is measured in this run on this machine, and the table gives Reel's ratio to its baseline.
# Everything it starts (servers, nginx, Swift) is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/bench/out"
WORK="$OUT/delivery"
SERVER="$ROOT/src/Reel.Server/bin/Release/net10.0/Reel.Server.dll"
SECONDS_EACH=${BENCH_WRK_SECONDS:-10}
WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-5}
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

for tool in wrk nginx curl ffmpeg dotnet; do command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (make bench installs it)"; done
[ -f "$SERVER" ] || die "build the server first: dotnet build src/Reel.Server -c Release"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_started
  [ -d "$WORK/swift" ] && bash "$ROOT/scripts/s3-server.sh" stop "$WORK/swift" >/dev/null 2>&1 || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$WORK"
mkdir -p "$WORK"

# Uploads the clip, waits until ready, prints "URL KEY" of a full-length segment (past the short lead-in ones) of the
# top rendition, which the master lists first.
segment_of() {
  local port=$1 base="http://127.0.0.1:$1" id video
  id=$(curl -fsS -X POST -H 'Content-Type: video/mp4' --data-binary @"$CLIP" "$base/api/videos" | json 'd["id"]')
  for _ in $(seq 1200); do
    video=$(curl -fsS "$base/api/videos/$id")
    case $(echo "$video" | json 'd["status"]') in
      ready) break ;;
      failed) die "processing failed: $video" ;;
    esac
    sleep 0.25
  done
  local stream master rung playlist segment
  stream=$(echo "$video" | json 'd["streamUrl"]')
  master=$(curl -fsS "$base$stream")
  rung=$(echo "$master" | grep -v '^#' | grep . | head -n 1)
  playlist=$(curl -fsS "$base${stream%/*}/$rung")
  segment=$(echo "$playlist" | grep -v '^#' | grep . | sed -n 4p)
  echo "$base${stream%/*}/${rung%/*}/$segment videos/$id/${rung%/*}/$segment"
}

# wrk against a URL; prints "requests/s MB/s p99-ms".
measure() {
  local url=$1; shift
  curl -fsS -o /dev/null "$@" "$url" || die "cannot fetch $url"
  # A warm-up run, not counted: a .NET server compiles its hot paths again, optimised, in its first seconds of load.
  wrk -t2 -c64 -d"${WARMUP_SECONDS}s" "$@" "$url" >/dev/null 2>&1 || die "wrk failed against $url"
  wrk -t2 -c64 -d"${SECONDS_EACH}s" --latency "$@" "$url" >"$WORK/wrk.out" 2>&1 || die "wrk failed: $(cat "$WORK/wrk.out")"
  $PY - "$WORK/wrk.out" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors: sys.exit(f"wrk saw {errors.group(1)} error responses:\n{text}")
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
value, unit = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", text).groups()
mbps = float(value) * {"B": 1e-6, "KB": 1.024e-3, "MB": 1.048576, "GB": 1073.741824}[unit]
p99, punit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
ms = float(p99) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[punit]
print(f"{rps:.0f} {mbps:.0f} {ms:.1f}")
EOF
}

CLIP="$WORK/clip-1080p.mp4"
echo "delivery: generating a 12 s 1080p clip ..." >&2
# Noise keeps the picture hard to compress, so the top rung's segments are near its bitrate cap (about 2 MB).
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=12,noise=alls=12:allf=t" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=12" -c:v libx264 -preset ultrafast -g 60 -pix_fmt yuv420p \
  -c:a aac -movflags +faststart "$CLIP"

echo "delivery: Reel on local disk ..." >&2
start_reel local
local_port=$REEL_PORT
read -r local_url local_key < <(segment_of "$local_port")
segment_bytes=$(stat -c %s "$WORK/local/media/$local_key")

# Reel behind nginx with accel delivery: a stream node on the same data folder checks each request and names the
# file in X-Accel-Redirect; nginx sends it.
start_reel accel-node --DataDir "$WORK/local" --Roles stream --Storage:Delivery accel
accel_port=$REEL_PORT
nginx_port=$(free_port)
front_port=$(free_port)
free_upstream_port=$(free_port)
cat >"$WORK/nginx.conf" <<EOF
user root;
worker_processes auto;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  server { listen 127.0.0.1:$nginx_port; root $WORK/local/media; }
  upstream reel { server 127.0.0.1:$accel_port; keepalive 64; }
  # An upstream that answers every request with the accel header and does nothing else: what any checked delivery
  # through nginx could reach at best here, as the proxy hop itself costs nginx work.
  server { listen 127.0.0.1:$free_upstream_port; location / { add_header X-Accel-Redirect /_reel_media/$local_key; return 200 ""; } }
  upstream free { server 127.0.0.1:$free_upstream_port; keepalive 64; }
  server {
    listen 127.0.0.1:$front_port;
    location /s/ { proxy_pass http://reel; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /free/ { proxy_pass http://free; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /_reel_media/ { internal; alias $WORK/local/media/; }
  }
}
EOF
nginx -c "$WORK/nginx.conf" -p "$WORK" &
PIDS+=($!)
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$nginx_port/$local_key" && break; sleep 0.1; done
accel_url="http://127.0.0.1:$front_port${local_url#http://127.0.0.1:$local_port}"

echo "delivery: wrk, ${SECONDS_EACH} s each ..." >&2
read -r reel_rps reel_mbps reel_p99 < <(measure "$local_url")
read -r nginx_rps nginx_mbps nginx_p99 < <(measure "http://127.0.0.1:$nginx_port/$local_key")
read -r accel_rps accel_mbps accel_p99 < <(measure "$accel_url")
read -r free_rps free_mbps free_p99 < <(measure "http://127.0.0.1:$front_port/free/")

echo "delivery: Swift (S3) and Reel on S3 ..." >&2
s3_url=$(bash "$ROOT/scripts/s3-server.sh" start "$WORK/swift")
start_reel s3 --Storage:Provider s3 --Storage:S3:ServiceUrl "$s3_url" --Storage:S3:Bucket bench \
  --Storage:S3:AccessKey test:tester --Storage:S3:SecretKey testing
s3_port=$REEL_PORT
read -r s3_reel_url s3_key < <(segment_of "$s3_port")
auth=$(curl -fsS -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' "$s3_url/auth/v1.0")
token=$(echo "$auth" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-auth-token" {print $2}')
storage=$(echo "$auth" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-storage-url" {print $2}')
read -r s3reel_rps s3reel_mbps s3reel_p99 < <(measure "$s3_reel_url")
read -r swift_rps swift_mbps swift_p99 < <(measure "$storage/bench/$s3_key" -H "X-Auth-Token: $token")

verdict() { $PY -c "print('PASS' if $1 / $2 >= $3 else '**FAIL**')"; }
cat <<EOF

## Segment delivery (wrk -t2 -c64 -d${SECONDS_EACH}s, one ${segment_bytes}-byte, 2 s fMP4 segment of the 1080p rung)

| Served by | requests/s | MB/s | p99 latency | Reel vs baseline (requests/s) | Target | Result |
|---|---|---|---|---|---|---|
| Reel, local disk | $reel_rps | $reel_mbps | $reel_p99 ms | $(ratio "$reel_rps" "$nginx_rps") | ≥ 0.8x nginx | $(verdict "$reel_rps" "$nginx_rps" 0.8) |
| Reel behind nginx, accel delivery (Reel checks, nginx sends) | $accel_rps | $accel_mbps | $accel_p99 ms | $(ratio "$accel_rps" "$nginx_rps") | ≥ 0.8x nginx | $(verdict "$accel_rps" "$nginx_rps" 0.8) |
| nginx in front of an upstream that checks nothing (the best any checked delivery through nginx can do) | $free_rps | $free_mbps | $free_p99 ms | $(ratio "$free_rps" "$nginx_rps") | — | — |
| nginx 1.22 (sendfile), same file — baseline | $nginx_rps | $nginx_mbps | $nginx_p99 ms | — | — | — |
| Reel, S3 proxy delivery | $s3reel_rps | $s3reel_mbps | $s3reel_p99 ms | $(ratio "$s3reel_rps" "$swift_rps") | — | — |
| Swift directly (same object, Swift API) — baseline | $swift_rps | $swift_mbps | $swift_p99 ms | — | — | — |

Each figure follows an uncounted ${WARMUP_SECONDS} s warm-up against the same URL. wrk, the server and the baseline share this machine's $(nproc) cores. Reel checks the playback token, the revocation
list and the file's metadata on every request; the baselines serve a bare path.
EOF
