#!/usr/bin/env bash
# Runs Cassandra's nodetool (from the jars install.sh fetched) against a node that start.sh started, over its local
# JMX port:
#   nodetool.sh --jmx-port PORT COMMAND [ARGS...]   e.g. nodetool.sh --jmx-port 7199 flush kask values
# start.sh's JMX listens on 127.0.0.1 only, whatever the node's address, without authentication.
# Environment: KASK_CASSANDRA_HOME (see install.sh), KASK_CASSANDRA_JAVA (default OpenJDK 17).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ "${1:-}" == --jmx-port && -n "${2:-}" ]] || { echo "usage: nodetool.sh --jmx-port PORT COMMAND [ARGS...]" >&2; exit 2; }
jmx_port="$2"
shift 2

java="${KASK_CASSANDRA_JAVA:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}"
lib="$("$here/install.sh")"
# The opens that Cassandra's classes need on Java 17 (its tools load FileUtils, which reaches into java.base), a
# small heap and no optimising compiler: nodetool runs for a second.
exec "$java" -Xmx128m -XX:TieredStopAtLevel=1 \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-exports java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
  -Dcassandra.logdir="${TMPDIR:-/tmp}" -Dlogback.configurationFile="file://$here/logback-tools.xml" \
  -cp "$lib/*" org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "$jmx_port" "$@"
