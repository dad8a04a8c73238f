#!/usr/bin/env bash
# Two data centres on one machine: a Cassandra 5.0 cluster of two nodes on loopback, one per data centre
# (GossipingPropertyFileSnitch, both seeds), Kask's keyspace `kask` with replication {dc1: 1, dc2: 1} and its
# table `values`, and on request one kask-ts server per data centre with `local_dc` set.
#
#   two-dc.sh start [--fresh] [--servers]  start both nodes (dc1, then dc2), wait until each knows the other,
#                                           create the keyspace and table (if absent);
#                                           --fresh: delete the nodes' state first (a new, empty cluster);
#                                           --servers: then start kask-ts in each data centre (npm run build first)
#   two-dc.sh stop [--kill]                stop the servers and both nodes (--kill: SIGKILL, no drain)
#   two-dc.sh start-node dc1|dc2           start one data centre's node again
#   two-dc.sh stop-node dc1|dc2 [--kill]   stop one data centre's node: a clean shutdown, which the other node
#                                           learns at once by gossip; --kill: a crash, noticed only when the
#                                           failure detector convicts the node (about 10-20 s)
#   two-dc.sh status                        what runs
#   two-dc.sh topology                      the nodes and servers as JSON (read by server/test/multi-dc/)
#
#   dc1: Cassandra two-dc-dc1 on 127.0.0.5:9042 (JMX 7599); kask-ts on http://127.0.0.5:8081/sessions/v1/
#   dc2: Cassandra two-dc-dc2 on 127.0.0.6:9042 (JMX 7699); kask-ts on http://127.0.0.6:8081/sessions/v1/
#
# State (data, logs, configuration, pid files) in <repo>/.cassandra/two-dc-dc1, two-dc-dc2 and two-dc-servers.
# Environment: KASK_TWO_DC_HEAP (JVM heap per node, default 768M), and start.sh's variables.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="${KASK_CASSANDRA_STATE:-$repo/.cassandra}"
servers_dir="$state/two-dc-servers"

cluster=kask-ts-two-dc
keyspace=kask
table=values
heap="${KASK_TWO_DC_HEAP:-768M}"
dcs=(dc1 dc2)
declare -A node_name=([dc1]=two-dc-dc1 [dc2]=two-dc-dc2)
declare -A address=([dc1]=127.0.0.5 [dc2]=127.0.0.6)
declare -A jmx_port=([dc1]=7599 [dc2]=7699)
# One token each (num_tokens: 1): with one replica per data centre each node owns its data centre's whole ring.
declare -A token=([dc1]=0 [dc2]=100)
native_port=9042
server_port=8081
seeds="${address[dc1]},${address[dc2]}"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

need_dc() {
  [[ "${1:-}" == dc1 || "${1:-}" == dc2 ]] || { echo "two-dc.sh: name a data centre, dc1 or dc2" >&2; exit 2; }
}

start_node() {
  local dc="$1"
  bash "$here/start.sh" --name "${node_name[$dc]}" --address "${address[$dc]}" --dc "$dc" --rack rack1 \
    --seeds "$seeds" --native-port "$native_port" --jmx-port "${jmx_port[$dc]}" --token "${token[$dc]}" \
    --cluster "$cluster" --heap "$heap" --timeout 240
}

stop_node() {
  local dc="$1"
  shift
  bash "$here/stop.sh" "${node_name[$dc]}" "$@"
}

# Runs `function dc` for both data centres at once; fails if either fails, after both have finished.
both() {
  local fn="$1"
  shift
  local pids=() dc failed=0
  for dc in "${dcs[@]}"; do
    "$fn" "$dc" "$@" &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return "$failed"
}

create_schema() {
  node "$here/two-dc-schema.mjs" --keyspace "$keyspace" --table "$table" --replicas 1 --timeout 120 \
    --node "${address[dc1]}:$native_port:dc1" --node "${address[dc2]}:$native_port:dc2"
}

server_pid_file() { echo "$servers_dir/kask-$1.pid"; }
server_config() { echo "$servers_dir/kask-$1.yaml"; }

# The pid of the data centre's kask-ts server, if it runs (checked against its command line, not just the file).
server_pid() {
  local pid_file pid
  pid_file="$(server_pid_file "$1")"
  [[ -f "$pid_file" ]] || return 1
  pid="$(cat "$pid_file")"
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--config $(server_config "$1")" || return 1
  echo "$pid"
}

start_server() {
  local dc="$1" cli="$repo/server/dist/cli.js" config pid
  [[ -f "$cli" ]] || { echo "two-dc.sh: $cli is missing: run npm run build first" >&2; return 1; }
  if pid="$(server_pid "$dc")"; then
    echo "two-dc.sh: kask-ts in $dc already running (pid $pid)" >&2
    return 0
  fi
  mkdir -p "$servers_dir"
  config="$(server_config "$dc")"
  cat >"$config" <<YAML
# kask-ts in $dc: reads and writes at LOCAL_QUORUM in $dc, deletes at EACH_QUORUM (every data centre).
service_name: kask-$dc
base_uri: /sessions/v1/
listen_address: ${address[$dc]}
listen_port: $server_port
workers: 1
cassandra:
  hosts: [${address[$dc]}]
  port: $native_port
  keyspace: $keyspace
  table: $table
  local_dc: $dc
YAML
  setsid node "$cli" --config "$config" </dev/null >"$servers_dir/kask-$dc.log" 2>&1 &
  pid=$!
  echo "$pid" >"$(server_pid_file "$dc")"
  local url="http://${address[$dc]}:$server_port"
  for _ in $(seq 1 120); do
    if curl -sf --max-time 1 -o /dev/null "$url/readyz"; then
      echo "two-dc.sh: kask-ts in $dc (pid $pid) serves $url/sessions/v1/ (log: $servers_dir/kask-$dc.log)" >&2
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  echo "two-dc.sh: kask-ts in $dc did not become ready; its log:" >&2
  tail -n 20 "$servers_dir/kask-$dc.log" >&2 || true
  kill -TERM "$pid" 2>/dev/null || true
  return 1
}

stop_server() {
  local dc="$1" pid
  if ! pid="$(server_pid "$dc")"; then
    rm -f "$(server_pid_file "$dc")"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$(server_pid_file "$dc")"
  echo "two-dc.sh: kask-ts in $dc (pid $pid) stopped" >&2
}

elapsed() { awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $1 }"; }

command="${1:-}"
[[ $# -gt 0 ]] && shift
case "$command" in
  start)
    fresh=false servers=false
    for arg in "$@"; do
      case "$arg" in
        --fresh) fresh=true ;;
        --servers) servers=true ;;
        *) echo "two-dc.sh start: unknown option $arg" >&2; exit 2 ;;
      esac
    done
    started="$(date +%s.%N)"
    if [[ "$fresh" == true ]]; then
      both stop_server
      both stop_node --kill
      for dc in "${dcs[@]}"; do rm -rf "${state:?}/${node_name[$dc]}"; done
    fi
    # Fetch Cassandra's jars once, before the two starts: two concurrent fetches would replace each other's lib/.
    "$here/install.sh" >/dev/null
    # NOTE: one after the other. Started side by side on a loaded machine, a node could drop the other
    # from gossip as a "fat client" (it had not announced its token yet) and from its seeds, and never
    # see it again (seen in CI: "Seeds list is now empty!"). A node that starts once the other is up
    # joins a member that has its token.
    if ! { start_node dc1 && start_node dc2; }; then
      echo "two-dc.sh: a node did not start; stopping both" >&2
      both stop_node --kill || true
      exit 1
    fi
    echo "two-dc.sh: both nodes answer CQL after $(elapsed "$started") s" >&2
    create_schema
    echo "two-dc.sh: cluster $cluster ready after $(elapsed "$started") s" >&2
    if [[ "$servers" == true ]]; then both start_server; fi
    ;;
  stop)
    both stop_server
    both stop_node "$@"
    ;;
  start-node)
    need_dc "${1:-}"
    start_node "$1"
    ;;
  stop-node)
    need_dc "${1:-}"
    stop_node "$@"
    ;;
  status)
    for dc in "${dcs[@]}"; do
      pid_file="$state/${node_name[$dc]}/cassandra.pid"
      if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        echo "$dc: Cassandra ${node_name[$dc]} on ${address[$dc]}:$native_port (pid $(cat "$pid_file"))"
      else
        echo "$dc: Cassandra ${node_name[$dc]} stopped"
      fi
      if pid="$(server_pid "$dc")"; then
        echo "$dc: kask-ts on http://${address[$dc]}:$server_port/sessions/v1/ (pid $pid)"
      fi
    done
    ;;
  topology)
    entry() {
      printf '"%s": {"node": "%s", "address": "%s", "nativePort": %s, "jmxPort": %s, "serverUrl": "http://%s:%s/sessions/v1/"}' \
        "$1" "${node_name[$1]}" "${address[$1]}" "$native_port" "${jmx_port[$1]}" "${address[$1]}" "$server_port"
    }
    printf '{"cluster": "%s", "keyspace": "%s", "table": "%s", "state": "%s", "dataCentres": {%s, %s}}\n' \
      "$cluster" "$keyspace" "$table" "$state" "$(entry dc1)" "$(entry dc2)"
    ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
