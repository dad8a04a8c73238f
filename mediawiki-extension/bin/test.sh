#!/usr/bin/env bash
# Runs every test of the KaskStore extension and exits non-zero on any failure:
#   1. PHPUnit unit tests (fake HTTP client; no server);
#   2. a kask-ts server on a free loopback port with a temporary embedded store, then the
#      PHPUnit integration tests against it (KaskBagOStuff in both modes of its extendedApi
#      option, with several PHP processes contending for one key, and interoperability with
#      MediaWiki's stock RESTBagOStuff), then the table of requests per operation
#      (bin/request-counts.php);
#   3. the end-to-end login on a throwaway MediaWiki 1.39 (bin/e2e-login.sh), with the
#      extendedApi option off, then on;
# and stops the server it started, also on failure.
#
# Assumes bin/install-deps.sh has run (PHP, PHPUnit 9.6, MediaWiki 1.39 from Debian) and the server
# is built (`npm run build` at the repository root). With KASK_BASE_URL already set, steps 2 and 3
# use that server instead of starting one (e.g. a kask-ts on Cassandra, or Kask itself; for a
# server without kask-ts's extensions set KASKSTORE_EXTENDED_API=0, which skips what needs them).
# KASKSTORE_E2E=0 skips step 3.
set -euo pipefail

ext_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_dir=$(dirname "$ext_dir")
# shellcheck source=lib.sh
source "$ext_dir/bin/lib.sh"

for tool in php phpunit; do
	command -v "$tool" >/dev/null || { echo "test.sh: $tool not found (run bin/install-deps.sh)" >&2; exit 1; }
done

server_pid=
work_dir=

cleanup() {
	local status=$?
	stop_process "$server_pid"
	if [ "$status" -ne 0 ] && [ -n "$work_dir" ] && [ -f "$work_dir/server.log" ]; then
		echo "--- kask-ts server log (tail)" >&2
		tail -n 30 "$work_dir/server.log" >&2 || true
	fi
	[ -z "$work_dir" ] || rm -rf "$work_dir"
	exit "$status"
}
trap cleanup EXIT

phpunit_suite() {
	# shellcheck disable=SC2046
	( cd "$ext_dir" && phpunit -c phpunit.xml --testsuite "$1" $(junit_args "$1") )
}

echo "== KaskStore: unit tests"
phpunit_suite unit

if [ -n "${KASK_BASE_URL:-}" ]; then
	echo "== KaskStore: using the server at KASK_BASE_URL=$KASK_BASE_URL"
else
	cli="$repo_dir/server/dist/cli.js"
	if [ ! -f "$cli" ]; then
		echo "test.sh: $cli not found: run 'npm run build' at the repository root first" >&2
		exit 1
	fi
	command -v node >/dev/null || { echo "test.sh: node not found" >&2; exit 1; }

	work_dir=$(mktemp -d "${TMPDIR:-/tmp}/kaskstore-test.XXXXXX")
	port=$(free_port)
	cat > "$work_dir/config.yaml" <<YAML
listen_address: 127.0.0.1
listen_port: $port
base_uri: /sessions/v1/
default_ttl: 86400
storage: embedded
embedded:
  path: $work_dir/data
YAML
	echo "== KaskStore: starting kask-ts on 127.0.0.1:$port (store in $work_dir/data)"
	( cd "$repo_dir" && exec node server/dist/cli.js --config "$work_dir/config.yaml" ) \
		> "$work_dir/server.log" 2>&1 &
	server_pid=$!
	wait_for_url "http://127.0.0.1:$port/readyz" "$server_pid"
	export KASK_BASE_URL="http://127.0.0.1:$port/sessions/v1/"
fi

echo "== KaskStore: integration tests against $KASK_BASE_URL"
phpunit_suite integration

if [ "${KASKSTORE_EXTENDED_API:-1}" != 0 ]; then
	echo "== KaskStore: requests per operation, on the wire to $KASK_BASE_URL"
	php "$ext_dir/bin/request-counts.php"
fi

if [ "${KASKSTORE_E2E:-1}" != 0 ]; then
	echo "== KaskStore: end-to-end login on MediaWiki 1.39 (extendedApi off)"
	KASKSTORE_EXTENDED_API=0 bash "$ext_dir/bin/e2e-login.sh"
	if [ "${KASKSTORE_EXTENDED_API:-1}" != 0 ]; then
		echo "== KaskStore: end-to-end login on MediaWiki 1.39 (extendedApi on)"
		KASKSTORE_EXTENDED_API=1 bash "$ext_dir/bin/e2e-login.sh"
	fi
fi

echo "== KaskStore: all tests passed"
