#!/usr/bin/env bash
# Starts one Apache Cassandra 5.0 node on loopback for development and tests, and waits until it answers
# CQL. With no arguments: node `node1` on 127.0.0.1:9042 in data centre `datacenter1`. The options let
# several nodes (one per data centre) run side by side on 127.0.0.0/8 as one cluster.
#
#   --name NAME          node name; state in <repo>/.cassandra/NAME/          (node1)
#   --address IP         listen, rpc and broadcast address                    (127.0.0.1)
#   --dc DC --rack RACK  GossipingPropertyFileSnitch location                 (datacenter1, rack1)
#   --seeds IP[,IP...]   seed addresses                                       (the node's own address)
#   --native-port PORT   CQL port                                             (9042)
#   --storage-port PORT  inter-node port, the same on every node              (7000)
#   --jmx-port PORT      local JMX port for nodetool, distinct per node       (7199)
#   --token TOKEN        initial token, distinct per node                     (0)
#   --cluster NAME       cluster name, the same on every node                 (kask-ts)
#   --heap SIZE          JVM heap, at most 1 GiB                              (768M)
#   --timeout SECONDS    deadline for the node to answer CQL                  (240)
#   --commitlog-sync M   periodic: acknowledges before fsync (Cassandra's default, fast); batch: after fsync,
#                        so an acknowledged write survives kill -9 even with one replica          (periodic)
#   --password-auth      PasswordAuthenticator (superuser cassandra/cassandra)
#   --property NAME=VALUE  a system property of the JVM, -DNAME=VALUE, e.g. cassandra.size_recorder_interval=5 (repeatable)
#   --tls                CQL over TLS only, no client certificate asked (as Wikimedia's nodes: the chart's file
#                        gives kask-ts only cassandra.tls.ca); tls.sh makes the CA and the node's certificate in
#                        <state>/NAME/tls/ (ca.pem is the CA to name in cassandra.tls.ca)
#   --client-tls         as --tls, and client certificates required: tls.sh makes one (client.pem, client.key)
#   --tls-names NAMES    the node certificate's subjectAltName, e.g. DNS:localhost         (IP:<address>)
#   --netns NAME         runs the node in network namespace NAME (ip netns, made by the caller, root only),
#                        whose own address --address is (a private one, not loopback): a test's partitions
#
# Running it again for a node that is up only waits for it to answer. Stop with stop.sh NAME.
# Environment: KASK_CASSANDRA_STATE (default <repo>/.cassandra), KASK_CASSANDRA_HOME (see install.sh),
# KASK_CASSANDRA_JAVA (default OpenJDK 17; Cassandra 5.0 runs on Java 11 and 17 only).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

name=node1 address=127.0.0.1 dc=datacenter1 rack=rack1 seeds=''
native_port=9042 storage_port=7000 jmx_port=7199 token=0 cluster=kask-ts heap=768M timeout=240 commitlog_sync=periodic
authenticator=AllowAllAuthenticator authorizer=AllowAllAuthorizer credentials=() tls=none tls_names='' netns=''
properties=()

while (($#)); do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --address) address="$2"; shift 2 ;;
    --dc) dc="$2"; shift 2 ;;
    --rack) rack="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --native-port) native_port="$2"; shift 2 ;;
    --storage-port) storage_port="$2"; shift 2 ;;
    --jmx-port) jmx_port="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    --cluster) cluster="$2"; shift 2 ;;
    --heap) heap="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --commitlog-sync) commitlog_sync="$2"; shift 2 ;;
    --property)
      [[ "$2" =~ ^[A-Za-z0-9_.-]+=.*$ ]] || { echo "start.sh: --property is NAME=VALUE, got '$2'" >&2; exit 2; }
      properties+=("-D$2"); shift 2 ;;
    --password-auth)
      authenticator=PasswordAuthenticator authorizer=CassandraAuthorizer
      credentials=(--username cassandra --password cassandra)
      shift ;;
    --tls) tls=server; shift ;;
    --client-tls) tls=client; shift ;;
    --tls-names) tls_names="$2"; shift 2 ;;
    --netns) netns="$2"; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "start.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "start.sh: bad node name '$name'" >&2; exit 2; }
if [[ -n "$netns" ]]; then
  [[ "$address" =~ ^(10|192\.168)\. ]] || { echo "start.sh: in a namespace, the address is a private one, got $address" >&2; exit 2; }
  in_netns=(ip netns exec "$netns")
else
  [[ "$address" =~ ^127\. ]] || { echo "start.sh: address must be on loopback (127.0.0.0/8), got $address" >&2; exit 2; }
  in_netns=()
fi
[[ "$commitlog_sync" == periodic || "$commitlog_sync" == batch ]] || { echo "start.sh: --commitlog-sync is periodic or batch" >&2; exit 2; }
[[ "$heap" =~ ^([0-9]+)([MmGg])$ ]] || { echo "start.sh: --heap is like 768M or 1G, got $heap" >&2; exit 2; }
heap_mib="${BASH_REMATCH[1]}"
[[ "${BASH_REMATCH[2],,}" == g ]] && heap_mib=$((heap_mib * 1024))
((heap_mib >= 256 && heap_mib <= 1024)) || { echo "start.sh: --heap must be 256M to 1G, got $heap" >&2; exit 2; }
seeds="${seeds:-$address}"

java="${KASK_CASSANDRA_JAVA:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}"
state="${KASK_CASSANDRA_STATE:-$repo/.cassandra}"
node_dir="$state/$name"
conf="$node_dir/conf"
logs="$node_dir/logs"
pid_file="$node_dir/cassandra.pid"

wait_ready() {
  local tls_options=()
  [[ "$tls" == none ]] || tls_options=(--ca "$node_dir/tls/ca.pem")
  [[ "$tls" == client ]] && tls_options+=(--cert "$node_dir/tls/client.pem" --key "$node_dir/tls/client.key")
  node "$here/wait-ready.mjs" --host "$address" --port "$native_port" --dc "$dc" --timeout "$timeout" --pid "$1" \
    "${credentials[@]}" "${tls_options[@]}"
}

is_running() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-Dcassandra.config=file://$conf/cassandra.yaml"
}

mkdir -p "$node_dir"
# One start at a time per node: two concurrent callers (say, two test runs) must not start two JVMs.
exec 9>"$node_dir/start.lock"
flock 9

if is_running; then
  echo "start.sh: $name already running (pid $(cat "$pid_file")); waiting until it answers CQL" >&2
  wait_ready "$(cat "$pid_file")"
  exit 0
fi
rm -f "$pid_file"

if (exec 3<>"/dev/tcp/$address/$native_port") 2>/dev/null; then
  echo "start.sh: something else already listens on $address:$native_port; stop it or pick --native-port" >&2
  exit 1
fi

lib="$("$here/install.sh")"
jamm="$(ls "$lib"/jamm-*.jar | head -n1)"
mkdir -p "$conf" "$logs" "$node_dir"/{data,commitlog,saved_caches,hints,cdc_raw,triggers}

if [[ "$commitlog_sync" == batch ]]; then
  commitlog_yaml='commitlog_sync: batch'
else
  commitlog_yaml=$'commitlog_sync: periodic\ncommitlog_sync_period: 10000ms'
fi
client_encryption_yaml='client_encryption_options: {enabled: false}'
if [[ "$tls" != none ]]; then
  "$here/tls.sh" "$node_dir/tls" "$address" "${tls_names:-IP:$address}"
  client_encryption_yaml="client_encryption_options:
  enabled: true
  optional: false
  keystore: $node_dir/tls/keystore.p12
  keystore_password: cassandra
  require_client_auth: $([[ "$tls" == client ]] && echo true || echo false)
  truststore: $node_dir/tls/truststore.p12
  truststore_password: cassandra
  store_type: PKCS12"
fi
seed_list="$(echo "$seeds" | sed "s/\([^,]*\)/\1:$storage_port/g")"
# NOTE: Cassandra 5.0 refuses unknown keys in cassandra.yaml, so this file holds only keys it knows.
cat >"$conf/cassandra.yaml" <<YAML
cluster_name: '$cluster'
num_tokens: 1
initial_token: $token
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$seed_list"
listen_address: $address
rpc_address: $address
storage_port: $storage_port
native_transport_port: $native_port
start_native_transport: true
data_file_directories: [$node_dir/data]
commitlog_directory: $node_dir/commitlog
saved_caches_directory: $node_dir/saved_caches
hints_directory: $node_dir/hints
cdc_raw_directory: $node_dir/cdc_raw
$commitlog_yaml
commitlog_segment_size: 8MiB
authenticator: $authenticator
authorizer: $authorizer
$client_encryption_yaml
auto_snapshot: false
storage_compatibility_mode: NONE
YAML

cat >"$conf/cassandra-rackdc.properties" <<PROPS
dc=$dc
rack=$rack
PROPS

# Cassandra's own log at INFO in logs/system.log; stdout.log keeps only what the JVM prints before logback.
cat >"$conf/logback.xml" <<XML
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>$logs/system.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>$logs/system.log.%i</fileNamePattern>
      <minIndex>1</minIndex>
      <maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>20MB</maxFileSize>
    </triggeringPolicy>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
XML

# From Cassandra's conf/jvm-server.options and conf/jvm17-server.options (5.0): the JVM dies at start
# without the jamm agent and the module exports/opens. -XX:+AlwaysPreTouch is left out: it costs start time.
jvm_flags=(
  -Xms"$heap" -Xmx"$heap" -Xss256k
  -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:MaxGCPauseMillis=300
  -XX:+UseThreadPriorities -XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$node_dir"
  -XX:+UseTLAB -XX:+ResizeTLAB -XX:+PerfDisableSharedMem
  -ea -da:net.openhft...
  -Djava.net.preferIPv4Stack=true
  -Djdk.attach.allowAttachSelf=true
  -Dio.netty.tryReflectionSetAccessible=true
  -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
  --add-exports java.sql/java.sql=ALL-UNNAMED
  --add-exports java.base/java.lang.ref=ALL-UNNAMED
  --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
  --add-opens java.base/java.lang.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
  --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
  --add-opens java.base/jdk.internal.math=ALL-UNNAMED
  --add-opens java.base/jdk.internal.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.base/java.io=ALL-UNNAMED
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.util=ALL-UNNAMED
  -javaagent:"$jamm"
)
cassandra_props=(
  -Dcassandra.config="file://$conf/cassandra.yaml"
  -Dcassandra-rackdc.properties="file://$conf/cassandra-rackdc.properties"
  -Dlogback.configurationFile="file://$conf/logback.xml"
  -Dcassandra.logdir="$logs"
  -Dcassandra.storagedir="$node_dir"
  -Dcassandra.triggers_dir="$node_dir/triggers"
  -Dcassandra.jmx.local.port="$jmx_port"
  -Dcassandra-foreground=yes
  # Fast start for a throwaway node: no wait for gossip to settle, a short ring delay, no saved ring state.
  -Dcassandra.skip_wait_for_gossip_to_settle=0
  -Dcassandra.ring_delay_ms=1000
  -Dcassandra.load_ring_state=false
  -Dcassandra.superuser_setup_delay_ms=0
  "${properties[@]}"
)

echo "start.sh: starting Cassandra $name on $address:$native_port (dc $dc, heap $heap), state in $node_dir" >&2
started_at="$(date +%s.%N)"
# setsid: the node outlives this script and the caller's process group (a test run's teardown stops it).
# 9>&-: the JVM must not inherit the start lock, or it would hold it for its whole life.
setsid "${in_netns[@]}" "$java" "${jvm_flags[@]}" "${cassandra_props[@]}" -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon \
  </dev/null >"$logs/stdout.log" 2>&1 9>&- &
pid=$!
echo "$pid" >"$pid_file"

if ! wait_ready "$pid"; then
  echo "start.sh: Cassandra $name did not answer CQL; last lines of its logs:" >&2
  tail -n 40 "$logs/stdout.log" "$logs/system.log" >&2 2>/dev/null || true
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  exit 1
fi
echo "start.sh: Cassandra $name (pid $pid) answered CQL after $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started_at }") s" >&2
