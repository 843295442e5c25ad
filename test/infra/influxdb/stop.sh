#!/usr/bin/env bash
# Stops the InfluxDB started by start.sh (by its PID) and removes its temp dir.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
stop_started "${QINGSHAN_TEST_INFLUX_PID:-}" 10 "${QINGSHAN_TEST_INFLUX_DIR:-}" /tmp/qingshan-influx
exit 0
