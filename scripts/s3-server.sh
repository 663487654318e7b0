#!/usr/bin/env bash
# A throwaway S3-compatible object store on loopback: OpenStack Swift (one replica) with the s3api middleware.
# Used by the tests and the benchmark; see ../shared/reference/infrastructure.md.
#
#   s3-server.sh start DIR        configures and starts memcached + the four Swift servers in DIR; prints the S3 endpoint
#   s3-server.sh stop DIR         stops them all (DIR is left for the caller to remove)
#   s3-server.sh stop-proxy DIR   stops only the proxy: S3 is unreachable until start-proxy
#   s3-server.sh start-proxy DIR  starts the proxy again on the same port
#
# Credentials: access key test:tester, secret testing, region us-east-1, path-style addressing.
set -euo pipefail

command=${1:?usage: s3-server.sh start|stop|stop-proxy|start-proxy DIR}
dir=$(realpath -m "${2:?usage: s3-server.sh $command DIR}")

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_healthy() {
  local port=$1
  for _ in $(seq 1 150); do
    if curl -fsS "http://127.0.0.1:$port/healthcheck" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "Swift on port $port did not become healthy; see $dir/*.log" >&2
  return 1
}

start_server() {
  local name=$1
  # setsid: the servers get their own process group, so `stop` ends them with their workers.
  setsid /usr/bin/python3 "/usr/bin/swift-$name-server" "$dir/$name.conf" -v >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

# Kills the named servers, then waits until each is gone. All are killed before any wait: a stop cut short (the test
# host's exit handler is killed with the host) must not leave the later servers running.
stop_servers() {
  local name pid pids=()
  for name in "$@"; do
    [ -f "$dir/$name.pid" ] || continue
    pid=$(cat "$dir/$name.pid")
    # A throwaway server keeps nothing worth a graceful stop (which took seconds per server), and an outage is abrupt.
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  # Gone once it is no process or a zombie (this machine's init reaps only every few seconds).
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do
      [ -e "/proc/$pid" ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$pid/status" || break
      sleep 0.1
    done
  done
  for name in "$@"; do rm -f "$dir/$name.pid"; done
}

case "$command" in
start)
  mkdir -p "$dir/devices/d1" "$dir/rings"
  memcached_port=$(free_port); proxy_port=$(free_port); account_port=$(free_port); container_port=$(free_port); object_port=$(free_port)
  cat >"$dir/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = reel-test
swift_hash_path_prefix = reel-test
[storage-policy:0]
name = gold
default = yes
EOF
  # The three rings in one Python process (swift-ring-builder takes about 1 s per call, nine calls).
  (cd "$dir/rings" && /usr/bin/python3 - "$account_port" "$container_port" "$object_port" <<'PY'
import sys
from swift.common.ring import RingBuilder
for name, port in zip(("account", "container", "object"), sys.argv[1:]):
    builder = RingBuilder(10, 1, 1)
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 100})
    builder.rebalance()
    builder.save(name + ".builder")
    builder.get_ring().save(name + ".ring.gz")
PY
  )
  for ring in account:$account_port container:$container_port object:$object_port; do
    name=${ring%%:*}; port=${ring##*:}
    cat >"$dir/$name.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = root
swift_dir = $dir/rings
devices = $dir/devices
mount_check = false
log_level = WARNING
[pipeline:main]
pipeline = healthcheck $name-server
[filter:healthcheck]
use = egg:swift#healthcheck
[app:$name-server]
use = egg:swift#$name
EOF
    [ "$name" = object ] && printf '[object-replicator]\n[object-updater]\n[object-auditor]\n' >>"$dir/$name.conf"
    [ "$name" = container ] && printf '[container-replicator]\n[container-updater]\n[container-auditor]\n[container-sync]\n' >>"$dir/$name.conf"
    [ "$name" = account ] && printf '[account-replicator]\n[account-auditor]\n[account-reaper]\n' >>"$dir/$name.conf"
  done
  cp "$dir/swift.conf" "$dir/rings/swift.conf"
  cat >"$dir/proxy.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $proxy_port
workers = 0
user = root
swift_dir = $dir/rings
log_level = WARNING
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo proxy-logging proxy-server
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$memcached_port
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
dns_compliant_bucket_names = false
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
EOF
  setsid memcached -u root -l 127.0.0.1 -p "$memcached_port" -m 64 >"$dir/memcached.log" 2>&1 &
  echo $! >"$dir/memcached.pid"
  for name in account container object proxy; do start_server "$name"; done
  for port in $account_port $container_port $object_port $proxy_port; do wait_healthy "$port"; done
  echo "$proxy_port" >"$dir/proxy.port"
  echo "http://127.0.0.1:$proxy_port"
  ;;
stop)
  stop_servers proxy object container account memcached
  ;;
stop-proxy)
  stop_servers proxy
  ;;
start-proxy)
  start_server proxy
  wait_healthy "$(cat "$dir/proxy.port")"
  ;;
*)
  echo "unknown command $command" >&2
  exit 2
  ;;
esac
