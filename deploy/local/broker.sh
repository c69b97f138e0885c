#!/usr/bin/env bash
# A single-node KRaft Kafka broker from the Maven Central jars, in its own JVM. No Docker.
#
#   deploy/local/broker.sh start    format the storage if needed, start, wait until ready, create the topics of
#                                   io.vbpstream.platform.Topic (the one definition), print the bootstrap address
#   deploy/local/broker.sh stop     SIGTERM the broker this script started (by PID) and wait for it
#   deploy/local/broker.sh status   running or not, and where
#   deploy/local/broker.sh reset    stop and delete all broker state
#
# Everything lives under $VBP_STATE (default .vbp-local/ in the repository): kafka/ data, kafka/logs, kafka/broker.pid.
# Ports: $VBP_KAFKA_PORT (default 39092) for clients, the next one for the KRaft controller.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
state="${VBP_STATE:-$root/.vbp-local}/kafka"
port="${VBP_KAFKA_PORT:-39092}"
controller=$((port + 1))
pidfile="$state/broker.pid"
logdir="$state/logs"

classpath() {
  local cp="$root/deploy/local-broker/target/classpath.txt"
  if [ ! -s "$cp" ]; then
    (cd "$root" && ./mvnw -q -B -ntp -pl deploy/local-broker generate-resources) >&2
  fi
  cat "$cp"
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  if running; then
    echo "broker already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
    return 0
  fi
  mkdir -p "$state/data" "$logdir"
  cat > "$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$state/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
  local cp java_opts
  cp="$(classpath)"
  java_opts=(-Xmx512m "-Dlog4j2.configurationFile=$root/deploy/local/log4j2.properties" "-Dvbp.broker.logdir=$logdir")
  if [ ! -f "$state/data/meta.properties" ]; then
    java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format \
      -t "$(java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid)" \
      -c "$state/server.properties" --ignore-formatted >> "$logdir/format.log" 2>&1 \
      || { echo "broker storage format failed; see $logdir/format.log" >&2; exit 1; }
  fi
  nohup java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$state/server.properties" >> "$logdir/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started" "$logdir/server.log" 2>/dev/null; then
      echo "broker ready on 127.0.0.1:$port (pid $(cat "$pidfile"), logs in $logdir)"
      create_topics
      return 0
    fi
    if ! running; then
      echo "broker exited during start-up; see $logdir/server.log and $logdir/stdout.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "broker not ready after 60 s; see $logdir/server.log" >&2
  exit 1
}

create_topics() {
  local jar="$root/vbp-platform/target/vbp-platform-0.1.0-SNAPSHOT.jar"
  if [ ! -f "$jar" ] || [ ! -s "$root/vbp-platform/target/classpath.txt" ]; then
    (cd "$root" && ./mvnw -q -B -ntp -DskipTests -pl vbp-platform -am package) >&2
  fi
  # (kafka-clients logs through SLF4J; the provisioner has no binding on purpose, so drop its notice)
  java -cp "$jar:$(cat "$root/vbp-platform/target/classpath.txt")" io.vbpstream.platform.TopicProvisioner "127.0.0.1:$port" 1 \
    2> >(grep -v "^SLF4J" >&2)
}

stop() {
  if ! running; then
    rm -f "$pidfile"
    echo "broker not running"
    return 0
  fi
  local pid
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "broker stopped"; return 0; }
    sleep 0.5
  done
  echo "broker (pid $pid) did not stop in 30 s; killing it" >&2
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$pidfile")) on 127.0.0.1:$port, state in $state"; else echo "not running"; exit 3; fi ;;
  reset) stop; rm -rf "$state"; echo "deleted $state" ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
