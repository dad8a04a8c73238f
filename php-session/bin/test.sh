#!/usr/bin/env bash
# Runs every test of the php-session package and exits non-zero on any failure:
#   0. `php -l` over every PHP file;
#   1. the PHPUnit unit tests (an in-memory store; a forked server for connections);
#   2. the PHPUnit integration tests: each class starts kask-ts (server/dist/cli.js) on 127.0.0.1
#      with an embedded store in a temporary directory, and PHP's built-in web server with workers
#      (tests/www: plain PHP sessions, Symfony HttpFoundation's and Laravel's), and stops them by pid;
#   3. the concurrency figures of every locking mode (bin/concurrency.php), and the latency and
#      connections of one GET per PHP request with and without kept connections, over HTTP and TLS
#      (bin/connections.php).
# Needs bin/install-deps.sh (PHP, php-curl, PHPUnit, Symfony HttpFoundation, Laravel's session) and `npm run build` at the repository root; a
# missing prerequisite fails with the command that installs it.
set -euo pipefail

pkg_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_dir=$(dirname "$pkg_dir")
# The Node.js that `npm ci` installed, as the server requires it
export PATH="$repo_dir/node_modules/.bin:$PATH"

missing() {
	echo "php-session test.sh: $1 (run: $2)" >&2
	exit 1
}
command -v php >/dev/null || missing 'php not found' "bash php-session/bin/install-deps.sh"
command -v phpunit >/dev/null || missing 'phpunit not found' "bash php-session/bin/install-deps.sh"
for extension in curl pcntl posix; do
	php -r "exit( extension_loaded( '$extension' ) ? 0 : 1 );" ||
		missing "PHP's $extension extension is not loaded" "bash php-session/bin/install-deps.sh"
done
for package in php-symfony-http-foundation php-illuminate-session; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
		missing "$package is not installed" "bash php-session/bin/install-deps.sh"
done
command -v node >/dev/null || missing 'node not found' 'npm ci'
[ -f "$repo_dir/server/dist/cli.js" ] || missing 'server/dist/cli.js not found' 'npm run build'

junit_args() {
	[ -z "${KASK_TEST_RESULTS:-}" ] || echo "--log-junit $KASK_TEST_RESULTS/phpunit-php-session-$1.xml"
}

cd "$pkg_dir"
echo "== php-session: php -l"
while IFS= read -r -d '' file; do
	lint=$(php -l "$file" 2>&1) || { echo "$lint" >&2; exit 1; }
done < <(find . -name '*.php' -print0)

for suite in unit integration; do
	echo "== php-session: $suite tests"
	# shellcheck disable=SC2046
	phpunit -c phpunit.xml --testsuite "$suite" $(junit_args "$suite")
done

echo "== php-session: 20 requests at once on one session, per locking mode"
php bin/concurrency.php

echo "== php-session: kept connections, per request (bin/connections.php)"
php bin/connections.php
