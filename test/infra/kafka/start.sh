#!/usr/bin/env bash
# Starts a throw-away single-node Kafka (KRaft, broker+controller) on free loopback ports, from jars
# resolved from Maven Central by pom.xml beside this script. Prints `export` lines
# (QINGSHAN_TEST_KAFKA_BROKERS, _PID, _DIR) for eval.
# Usage: eval "$(test/infra/kafka/start.sh)"; ...; test/infra/kafka/stop.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
command -v java >/dev/null || { echo "java not found (Java 17+ needed)" >&2; exit 1; }

if [[ ! -f "$here/lib/kafka-server-common-"*.jar && -z "$(ls "$here"/lib/kafka_2.13-*.jar 2>/dev/null)" ]]; then
  mvn -q -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$here/lib" >&2
fi

# Up to 3 attempts: a port free_port chose can be taken by another process before Kafka binds it.
for attempt in 1 2 3; do
  dir=$(mktemp -d /tmp/qingshan-kafka.XXXXXX)
  port=$(free_port)
  controller_port=$(free_port)
  cat >"$dir/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dir}/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
CONF
  java_opts=(-Xms256m -Xmx768m -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.log.file="$dir/kafka.log")
  cluster_id=$(java -cp "$here/lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  java "${java_opts[@]}" -cp "$here/lib/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 || {
    cat "$dir/format.log" >&2
    exit 1
  }
  java "${java_opts[@]}" -cp "$here/lib/*" kafka.Kafka "$dir/server.properties" >"$dir/stdout.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/pid"
  if until_listening_as 90 "Kafka on ${port}" "$pid" "$port"; then break; fi
  tail -n 30 "$dir/kafka.log" "$dir/stdout.log" >&2
  kill "$pid" 2>/dev/null || true
  rm -rf "$dir"
  ((attempt < 3)) || exit 1
  echo "Kafka did not start (attempt ${attempt}), retrying with other ports" >&2
done
echo "export QINGSHAN_TEST_KAFKA_BROKERS=127.0.0.1:${port}"
echo "export QINGSHAN_TEST_KAFKA_PID=${pid}"
echo "export QINGSHAN_TEST_KAFKA_DIR=${dir}"
