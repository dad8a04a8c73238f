#!/usr/bin/env bash
# Runs every test of the KaskStore extension, on MediaWiki 1.39 (Debian 12) and 1.43 LTS (Debian 13,
# unpacked by bin/install-mediawiki-1.43.sh), and exits non-zero on any failure:
#   0. `php -l` over src/, tests/ and bin/;
#   1. starts kask-ts three times on free loopback ports: on a temporary embedded store, on a
#      Cassandra that does not answer (its storage is down), and with a per-key write cap;
# then for each MediaWiki version:
#   2. the PHPUnit unit tests (fake HTTP client; no server);
#   3. the PHPUnit integration tests against the first server (KaskBagOStuff and KaskTsBagOStuff,
#      with several PHP processes contending for one key, interoperability with MediaWiki's
#      stock RESTBagOStuff, and the store check of maintenance/checkStore.php), and the table of
#      requests per operation (bin/request-counts.php);
#   4. the PHPUnit "unavailable" tests against the second server (503s, MediaWiki's
#      X-Request-Id in the server's log line, and the store check failing), and the
#      "rate-limited" tests against a third, which writes each key at most once a second (429s,
#      waited for within the request timeout);
#   5. the end-to-end login on a throwaway wiki (bin/e2e-login.sh), with KaskBagOStuff, then
#      KaskTsBagOStuff, and maintenance/checkStore.php on that wiki;
# then, once, on the last version:
#   6. the PHPUnit integration tests again against a kask-ts that requires a client certificate
#      (tls.client_ca; certificates made by openssl) and lists the wiki's in `clients`, after
#      checking that it does not serve a client without one (with the store check's failures);
# and stops the servers it started, also on failure.
#
# Assumes bin/install-deps.sh has run (PHP, PHPUnit 9.6, both MediaWikis) and the server is built
# (`npm run build` at the repository root). KASKSTORE_MW_VERSIONS picks the versions (default
# "1.39 1.43"). With KASK_BASE_URL already set, steps 3 and 5 use that server instead (e.g. a kask-ts
# on Cassandra, or Kask itself: for a server without kask-ts's extensions set
# KASKSTORE_EXTENDED_API=0, which skips what needs them). KASKSTORE_E2E=0 skips step 5.
set -euo pipefail

ext_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_dir=$(dirname "$ext_dir")
# shellcheck source=lib.sh
source "$ext_dir/bin/lib.sh"

for tool in php phpunit node; do
	command -v "$tool" >/dev/null || { echo "test.sh: $tool not found (run bin/install-deps.sh)" >&2; exit 1; }
done
if [ ! -f "$repo_dir/server/dist/cli.js" ]; then
	echo "test.sh: server/dist/cli.js not found: run 'npm run build' at the repository root first" >&2
	exit 1
fi

declare -A mw_dirs=( [1.39]=/usr/share/mediawiki [1.43]="$(mediawiki_143_home)/usr/share/mediawiki" )
read -r -a versions <<< "${KASKSTORE_MW_VERSIONS:-1.39 1.43}"
for version in "${versions[@]}"; do
	dir=${mw_dirs[$version]:-}
	if [ -z "$dir" ] || [ ! -f "$dir/includes/AutoLoader.php" ]; then
		echo "test.sh: MediaWiki $version not found${dir:+ in $dir} (run bin/install-deps.sh)" >&2
		exit 1
	fi
done

server_pids=()
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/kaskstore-test.XXXXXX")

cleanup() {
	local status=$? pid log
	for pid in "${server_pids[@]}"; do
		stop_process "$pid"
	done
	if [ "$status" -ne 0 ]; then
		for log in "$work_dir"/*.log; do
			[ -f "$log" ] || continue
			echo "--- $(basename "$log") (tail)" >&2
			tail -n 30 "$log" >&2 || true
		done
	fi
	rm -rf "$work_dir"
	exit "$status"
}
trap cleanup EXIT

# start_kask_ts NAME CONFIG [SCHEME]: starts kask-ts with the YAML CONFIG plus a free loopback port,
# logging to $work_dir/NAME.log; sets started_url to its session route once /healthz answers (over
# SCHEME, http by default; https with the KASK_CA_FILE and client certificate of wait_for_url).
start_kask_ts() {
	local name=$1 config=$2 scheme=${3:-http} port
	port=$(free_port)
	printf 'listen_address: 127.0.0.1\nlisten_port: %s\nbase_uri: /sessions/v1/\nworkers: 1\n%s\n' \
		"$port" "$config" > "$work_dir/$name.yaml"
	echo "== KaskStore: starting kask-ts ($name) on 127.0.0.1:$port"
	( cd "$repo_dir" && exec node server/dist/cli.js --config "$work_dir/$name.yaml" ) \
		> "$work_dir/$name.log" 2>&1 &
	server_pids+=( $! )
	wait_for_url "$scheme://127.0.0.1:$port/healthz" "$!"
	started_url="$scheme://127.0.0.1:$port/sessions/v1/"
}

# Tests of what a MediaWiki version added are in a group named after it, and run from that version on; those of
# group tls need a server over https with client certificates (the last run).
declare -A newer_groups=( [1.39]="mediawiki-1.43" [1.43]="" )

phpunit_suite() {
	local suite=$1 version=$2
	local excluded=${newer_groups[$version]}
	case "${KASK_BASE_URL:-}" in https:*) ;; *) excluded=${excluded:+$excluded,}tls ;; esac
	# shellcheck disable=SC2046,SC2086
	( cd "$ext_dir" && phpunit -c phpunit.xml --testsuite "$suite" ${excluded:+--exclude-group "$excluded"} $(junit_args "$suite-$version") )
}

echo "== KaskStore: php -l"
while IFS= read -r -d '' file; do
	lint=$(php -l "$file" 2>&1) || { echo "$lint" >&2; exit 1; }
done < <(find "$ext_dir/src" "$ext_dir/tests" "$ext_dir/bin" -name '*.php' -print0)

if [ -n "${KASK_BASE_URL:-}" ]; then
	echo "== KaskStore: using the server at KASK_BASE_URL=$KASK_BASE_URL"
else
	start_kask_ts embedded "storage: embedded
embedded:
  path: $work_dir/data"
	export KASK_BASE_URL=$started_url
fi
# A Cassandra that refuses connections: every session request answers 503 and is logged.
start_kask_ts unavailable "cassandra:
  hosts: [127.0.0.1]
  port: $(free_port)
  local_dc: datacenter1"
export KASK_UNAVAILABLE_BASE_URL=$started_url KASK_UNAVAILABLE_LOG=$work_dir/unavailable.log
# A second write of a key within a second answers 429 with Retry-After: 1.
start_kask_ts rate-limited "limits:
  key_writes_per_second: 1
embedded:
  path: $work_dir/data-rate-limited"
export KASK_RATE_LIMITED_BASE_URL=$started_url

for version in "${versions[@]}"; do
	export MW_INSTALL_PATH=${mw_dirs[$version]}
	echo "== KaskStore on MediaWiki $version ($MW_INSTALL_PATH): unit tests"
	phpunit_suite unit "$version"

	echo "== KaskStore on MediaWiki $version: integration tests against $KASK_BASE_URL"
	phpunit_suite integration "$version"
	if [ "${KASKSTORE_EXTENDED_API:-1}" != 0 ]; then
		echo "== KaskStore on MediaWiki $version: requests per operation, on the wire to $KASK_BASE_URL"
		php "$ext_dir/bin/request-counts.php"
	fi

	echo "== KaskStore on MediaWiki $version: against a kask-ts whose storage is down"
	phpunit_suite unavailable "$version"

	echo "== KaskStore on MediaWiki $version: against a kask-ts that writes each key at most once a second"
	phpunit_suite rate-limited "$version"

	if [ "${KASKSTORE_E2E:-1}" != 0 ]; then
		echo "== KaskStore on MediaWiki $version: end-to-end login with KaskBagOStuff"
		KASKSTORE_EXTENDED_API=0 KASKSTORE_MW_VERSION=$version bash "$ext_dir/bin/e2e-login.sh"
		if [ "${KASKSTORE_EXTENDED_API:-1}" != 0 ]; then
			echo "== KaskStore on MediaWiki $version: end-to-end login with KaskTsBagOStuff"
			KASKSTORE_EXTENDED_API=1 KASKSTORE_MW_VERSION=$version bash "$ext_dir/bin/e2e-login.sh"
		fi
	fi
done

mkdir "$work_dir/pki"
make_test_pki "$work_dir/pki"
export KASK_CA_FILE=$work_dir/pki/ca.pem KASK_CLIENT_CERT=$work_dir/pki/client.pem KASK_CLIENT_KEY=$work_dir/pki/client.key
start_kask_ts client-certificates "tls:
  cert: $work_dir/pki/server.pem
  key: $work_dir/pki/server.key
  client_ca: $KASK_CA_FILE
clients:
  mediawiki: { default: [read, write, delete] }
embedded:
  path: $work_dir/data-client-certificates" https
if KASK_CLIENT_CERT='' KASK_CLIENT_KEY='' wait_for_url "${started_url}anything" "${server_pids[-1]}" 1 2>/dev/null; then
	echo "test.sh: the server served a client without a certificate" >&2
	exit 1
fi
echo "== KaskStore on MediaWiki ${versions[-1]}: integration tests against $started_url, with a client certificate"
KASK_BASE_URL=$started_url phpunit_suite integration "${versions[-1]}"

echo "== KaskStore: all tests passed on MediaWiki ${versions[*]}"
