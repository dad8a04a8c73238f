#!/usr/bin/env bash
# End to end on a real wiki: installs a throwaway MediaWiki (sqlite, in a temp directory), loads
# the KaskStore extension from this checkout with $wgSessionCacheType = 'kask', serves the wiki
# with `php -S` on a free loopback port, and runs the PHPUnit suite "e2e" against it: log in
# through the action API, a later authenticated request, log out, each checked on the kask-ts server;
# and maintenance/checkStore.php on the wiki, against that server and against a closed port.
#
# Needs KASK_BASE_URL: the session route of a running kask-ts server, e.g.
# http://127.0.0.1:8081/sessions/v1/ (bin/test.sh starts one). MW_INSTALL_PATH: default
# /usr/share/mediawiki (Debian 12's 1.39); KASKSTORE_MW_VERSION names it in the JUnit report.
# KASKSTORE_KEEP_WIKI=1 keeps the temp directory. KASKSTORE_EXTENDED_API=1 sets
# $wgKaskStoreExtendedApi = true, i.e. KaskTsBagOStuff (kask-ts's extensions: sessions then get
# $wgObjectCacheSessionExpiry as their TTL); default: off, i.e. KaskBagOStuff.
set -euo pipefail

ext_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
source "$ext_dir/bin/lib.sh"

: "${KASK_BASE_URL:?KASK_BASE_URL must be the session route of a running kask-ts server}"
mw_dir=${MW_INSTALL_PATH:-/usr/share/mediawiki}
db_name=my_wiki
admin_user=Admin
admin_password="Kask-e2e-$(php -r 'echo bin2hex( random_bytes( 12 ) );')"
hmac_key=$(php -r 'echo bin2hex( random_bytes( 16 ) );')

if [ "${KASKSTORE_EXTENDED_API:-0}" = 1 ]; then
	extended_api=true
	cache_class=KaskTsBagOStuff
else
	extended_api=false
	cache_class=KaskBagOStuff
fi
junit_name="e2e-$cache_class${KASKSTORE_MW_VERSION:+-$KASKSTORE_MW_VERSION}"

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/kaskstore-e2e.XXXXXX")
wiki_pid=

cleanup() {
	local status=$?
	stop_process "$wiki_pid"
	if [ "$status" -ne 0 ]; then
		echo "--- wiki server log (tail)" >&2
		tail -n 30 "$work_dir/php-server.log" 2>/dev/null >&2 || true
		echo "--- objectcache log (tail)" >&2
		tail -n 30 "$work_dir/objectcache.log" 2>/dev/null >&2 || true
	fi
	if [ "${KASKSTORE_KEEP_WIKI:-0}" = 1 ]; then
		echo "wiki kept in $work_dir" >&2
	else
		rm -rf "$work_dir"
	fi
	exit "$status"
}
trap cleanup EXIT

port=$(free_port)
server_url="http://127.0.0.1:$port"

echo "e2e: installing MediaWiki ($mw_dir) into $work_dir"
if ! php "$mw_dir/maintenance/install.php" \
	--dbtype sqlite --dbpath "$work_dir/db" --dbname "$db_name" \
	--server "$server_url" --scriptpath "" --confpath "$work_dir" \
	--lang en --pass "$admin_password" \
	"KaskStore E2E" "$admin_user" > "$work_dir/install.log" 2>&1; then
	cat "$work_dir/install.log" >&2
	exit 1
fi

cat >> "$work_dir/LocalSettings.php" <<PHP

# KaskStore end-to-end test: sessions in kask-ts, like Wikimedia's (PHP serialization, HMAC)
wfLoadExtension( 'KaskStore', '$ext_dir/extension.json' );
\$wgKaskStoreUrl = '$KASK_BASE_URL';
\$wgKaskStoreSerializationType = 'PHP';
\$wgKaskStoreHmacKey = '$hmac_key';
\$wgSessionCacheType = 'kask';
\$wgObjectCacheSessionExpiry = 86400;
\$wgKaskStoreExtendedApi = $extended_api;
\$wgDebugLogGroups['objectcache'] = '$work_dir/objectcache.log';
\$wgDebugLogGroups['session'] = '$work_dir/session.log';
PHP

echo "e2e: serving the wiki on $server_url"
MW_CONFIG_FILE="$work_dir/LocalSettings.php" php -S "127.0.0.1:$port" -t "$mw_dir" \
	> "$work_dir/php-server.log" 2>&1 &
wiki_pid=$!
wait_for_url "$server_url/api.php?action=query&meta=siteinfo&format=json" "$wiki_pid"

cd "$ext_dir"
KASK_E2E_API_URL="$server_url/api.php" \
KASK_E2E_USER="$admin_user" \
KASK_E2E_PASSWORD="$admin_password" \
KASK_E2E_DBNAME="$db_name" \
KASK_E2E_HMAC_KEY="$hmac_key" \
KASK_E2E_LOG_DIR="$work_dir" \
KASK_E2E_CACHE_CLASS="MediaWiki\\Extension\\KaskStore\\$cache_class" \
KASK_E2E_CONFIG_FILE="$work_dir/LocalSettings.php" \
KASK_E2E_MW_INSTALL_PATH="$mw_dir" \
	phpunit -c phpunit.xml --testsuite e2e --testdox $(junit_args "$junit_name")
