#!/usr/bin/env bash
# Stops a node started by start.sh, by the pid in its pid file, and waits until the process has exited.
#   stop.sh [NAME] [--kill]   NAME defaults to node1; --kill sends SIGKILL at once (an outage, not a shutdown)
# Without --kill: SIGTERM (Cassandra drains and flushes), then SIGKILL after KASK_CASSANDRA_STOP_TIMEOUT s (60).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
name=node1 signal=TERM
for arg in "$@"; do
  case "$arg" in
    --kill) signal=KILL ;;
    -*) echo "stop.sh: unknown option $arg" >&2; exit 2 ;;
    *) name="$arg" ;;
  esac
done

node_dir="${KASK_CASSANDRA_STATE:-$repo/.cassandra}/$name"
pid_file="$node_dir/cassandra.pid"
grace="${KASK_CASSANDRA_STOP_TIMEOUT:-60}"

if [[ ! -f "$pid_file" ]]; then
  echo "stop.sh: $name is not running (no pid file)" >&2
  exit 0
fi
pid="$(cat "$pid_file")"
# Only signal the process if it still is this node's JVM: a stale pid may belong to anything by now.
if ! { [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-Dcassandra.config=file://$node_dir/conf/cassandra.yaml"; }; then
  echo "stop.sh: $name is not running (stale pid $pid)" >&2
  rm -f "$pid_file"
  exit 0
fi

kill -"$signal" "$pid"
deadline=$((SECONDS + grace))
while kill -0 "$pid" 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    echo "stop.sh: $name (pid $pid) still running after ${grace} s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 30))
  fi
  sleep 0.2
done
rm -f "$pid_file"
echo "stop.sh: $name (pid $pid) stopped ($signal)" >&2
