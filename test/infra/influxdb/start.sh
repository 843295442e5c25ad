#!/usr/bin/env bash
# Starts a throw-away InfluxDB 1.x (Debian's `influxdb` package) on free loopback ports with its
# data under a temp dir. Prints `export` lines (QINGSHAN_TEST_INFLUX_URL, _PID, _DIR) for eval.
# Usage: eval "$(test/infra/influxdb/start.sh)"; ...; test/infra/influxdb/stop.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
command -v influxd >/dev/null || { echo "influxd not found: apt-get install -y influxdb" >&2; exit 1; }

# Up to 3 attempts: a port free_port chose can be taken by another process before influxd binds it.
for attempt in 1 2 3; do
  dir=$(mktemp -d /tmp/qingshan-influx.XXXXXX)
  http_port=$(free_port)
  rpc_port=$(free_port)
  cat >"$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:${rpc_port}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${http_port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
CONF
  influxd -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/pid"
  if until_listening_as 60 "InfluxDB on ${http_port}" "$pid" "$http_port" &&
    wait_until 60 "InfluxDB /ping on ${http_port}" curl -sf "http://127.0.0.1:${http_port}/ping"; then
    break
  fi
  tail -20 "$dir/influxd.log" >&2
  kill "$pid" 2>/dev/null || true
  rm -rf "$dir"
  ((attempt < 3)) || exit 1
  echo "InfluxDB did not start (attempt ${attempt}), retrying with other ports" >&2
done
echo "export QINGSHAN_TEST_INFLUX_URL=http://127.0.0.1:${http_port}"
echo "export QINGSHAN_TEST_INFLUX_PID=${pid}"
echo "export QINGSHAN_TEST_INFLUX_DIR=${dir}"
