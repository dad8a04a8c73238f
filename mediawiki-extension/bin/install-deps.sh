#!/usr/bin/env bash
# Installs PHP, PHPUnit and MediaWiki 1.39 from Debian 12 (bookworm) packages, for the
# KaskStore extension's tests. Idempotent: does nothing when every package is already installed.
# Must run as root (or with sudo available) on Debian 12.
set -euo pipefail

packages=( php-cli php-curl php-mbstring php-xml php-intl php-sqlite3 mediawiki phpunit )

missing=()
for package in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=( "$package" )
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all packages present (${packages[*]})"
	exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	sudo_cmd=( sudo )
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# The mediawiki package pulls apache2 in, which starts it on some systems; the tests never use it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet apache2 2>/dev/null; then
	"${sudo_cmd[@]}" systemctl stop apache2 || true
fi

php --version | head -n 1
phpunit --version
dpkg-query -W -f='mediawiki ${Version}\n' mediawiki
