#!/usr/bin/env bash
# Copies Apache Cassandra's runtime jars (the version pinned in pom.xml) from Maven Central into a cache
# outside the repository, and prints the lib directory. Idempotent: a complete cache is left as it is.
#   KASK_CASSANDRA_HOME  cache directory (default ~/.cache/kask-ts/cassandra-<version>); jars go to its lib/
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(sed -n 's:.*<cassandra.version>\(.*\)</cassandra.version>.*:\1:p' "$here/pom.xml")"
[[ -n "$version" ]] || { echo "install.sh: no <cassandra.version> in $here/pom.xml" >&2; exit 1; }
home="${KASK_CASSANDRA_HOME:-$HOME/.cache/kask-ts/cassandra-$version}"
lib="$home/lib"
# The marker names the exact pom it was made from, so a changed pom (new patch release) refetches.
stamp="$(sha256sum "$here/pom.xml" | cut -d' ' -f1)"

if [[ -f "$lib/.complete" && "$(cat "$lib/.complete")" == "$stamp" ]]; then
  echo "$lib"
  exit 0
fi

mkdir -p "$home"
# Copy into a fresh directory and rename at the end: an interrupted run never looks complete.
staging="$(mktemp -d "$home/lib.partial.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
echo "install.sh: fetching cassandra-all $version and its runtime dependencies into $lib" >&2
mvn -B -q -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$staging" >&2
ls "$staging"/cassandra-all-"$version".jar "$staging"/jamm-*.jar >/dev/null
echo "$stamp" >"$staging/.complete"
rm -rf "$lib"
mv "$staging" "$lib"
trap - EXIT
echo "$lib"
