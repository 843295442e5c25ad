#!/usr/bin/env bash
# Stops the Kafka started by start.sh (by its PID) and removes its temp dir.
set -uo pipefail
pid=${QINGSHAN_TEST_KAFKA_PID:-}
dir=${QINGSHAN_TEST_KAFKA_DIR:-}
if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
fi
[[ -n "$dir" && "$dir" == /tmp/qingshan-kafka.* ]] && rm -rf "$dir"
exit 0
