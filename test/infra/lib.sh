# Shared helpers for the test-infrastructure scripts (sourced).
# A free TCP port on 127.0.0.1, chosen by the OS.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${seconds}s waiting for ${what}" >&2
      return 1
    fi
    sleep 0.5
  done
}

# tcp_open PORT: succeeds when something accepts connections on 127.0.0.1:PORT.
tcp_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# listening_as PID PORT: succeeds when PID itself (not another process that took the port between
# free_port and the bind) listens on 127.0.0.1:PORT.
listening_as() {
  kill -0 "$1" 2>/dev/null && ss -ltnpH "sport = :$2" 2>/dev/null | grep -q "pid=$1,"
}

# until_listening_as SECONDS DESCRIPTION PID PORT: waits for listening_as; fails at once when PID exits
# (e.g. its port was taken meanwhile), so the caller can retry with other ports.
until_listening_as() {
  local seconds=$1 what=$2 pid=$3 port=$4
  local deadline=$((SECONDS + seconds))
  until listening_as "$pid" "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "${what}: the process exited before listening" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "timed out after ${seconds}s waiting for ${what}" >&2
      return 1
    fi
    sleep 0.5
  done
}

# stop_started PID SECONDS DIR PREFIX: what a stop.sh does. SIGTERM to PID (when it is running),
# up to SECONDS for it to exit, then SIGKILL; removes DIR only when it is one of start.sh's temp
# dirs (PREFIX.*), so a wrong variable cannot delete anything else. Empty PID or DIR: skipped.
stop_started() {
  local pid=$1 seconds=$2 dir=$3 prefix=$4
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 $((seconds * 4))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  [[ -n "$dir" && "$dir" == "$prefix".* ]] && rm -rf "$dir"
  return 0
}
