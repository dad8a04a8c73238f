#!/usr/bin/env bash
# Installs what the php-session package's tests need, from Debian 12 (bookworm) packages: PHP's CLI
# (its built-in web server, with workers, and the pcntl and posix functions the tests fork and stop
# servers with), php-curl (the tests' browser), PHPUnit 9.6, and Symfony HttpFoundation 5.4 and
# Laravel's session store 8.83 for the framework smoke tests. Idempotent; as root or with sudo.
set -euo pipefail

packages=( php-cli php-curl phpunit php-symfony-http-foundation php-illuminate-session )

missing=()
for package in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=( "$package" )
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "php-session install-deps: all packages present (${packages[*]})"
	exit 0
fi
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=( sudo )
echo "php-session install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
