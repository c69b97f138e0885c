#!/usr/bin/env bash
# Streams the Fashion-MNIST test split as PNG records (label headers) into the images topic of the local broker.
#   deploy/local/replay.sh [--rate 200] [--limit 1000] [--bootstrap 127.0.0.1:39092] ...   (see --help)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
jar="$root/traffic-replayer/target/traffic-replayer-0.1.0-SNAPSHOT.jar"
if [ ! -f "$jar" ] || [ ! -s "$root/traffic-replayer/target/classpath.txt" ]; then
  (cd "$root" && ./mvnw -q -B -ntp -DskipTests -pl traffic-replayer -am package) >&2
fi
cd "$root"
exec java -cp "$jar:$(cat "$root/traffic-replayer/target/classpath.txt")" io.vbpstream.replayer.TrafficReplayer "$@"
