# Helpers shared by bench/delivery.sh and bench/upload.sh; sourced, not run. The caller sets WORK and SERVER, and
# calls stop_started from its EXIT trap so every process started here is stopped.
PY=/usr/bin/python3
PIDS=()

die() { echo "$(basename "$0" .sh) bench: $*" >&2; exit 1; }

# Asks a process to stop, and kills it if it has not within ten seconds.
stop_process() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

# All are asked at once, so they stop together rather than one after another.
stop_started() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do stop_process "$pid"; done
}

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Starts a Reel server with the given extra settings; sets REEL_PORT and REEL_PID. Not called in a subshell: the
# trap must know every process this script started.
start_reel() {
  local name=$1; shift
  REEL_PORT=$(free_port)
  dotnet "$SERVER" --urls "http://127.0.0.1:$REEL_PORT" --DataDir "$WORK/$name" "$@" >"$WORK/$name.log" 2>&1 &
  REEL_PID=$!
  PIDS+=("$REEL_PID")
  for _ in $(seq 600); do
    if curl -fs "http://127.0.0.1:$REEL_PORT/readyz" >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  die "Reel ($name) did not become ready; see $WORK/$name.log"
}

# A process's VmHWM (peak resident memory since it started) and VmRSS, in MB.
memory_mb() { awk '/^VmHWM|^VmRSS/ { printf "%s=%.0f ", $1, $2 / 1024 }' "/proc/$1/status"; }

ratio() { $PY -c "print(f'{$1 / $2:.2f}x')"; }
