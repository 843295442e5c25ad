#!/usr/bin/env bash
# Stops the Kafka started by start.sh (by its PID) and removes its temp dir.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
stop_started "${QINGSHAN_TEST_KAFKA_PID:-}" 15 "${QINGSHAN_TEST_KAFKA_DIR:-}" /tmp/qingshan-kafka
exit 0
