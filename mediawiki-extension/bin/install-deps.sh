#!/usr/bin/env bash
# Installs what the KaskStore extension's tests need: PHP 8.2, PHPUnit 9.6 and MediaWiki 1.39 from
# Debian 12 (bookworm) packages, then MediaWiki 1.43 LTS from Debian 13's (bin/install-mediawiki-1.43.sh).
# Idempotent: does nothing when everything is already there.
# Must run as root (or with sudo available) on Debian 12.
set -euo pipefail

ext_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
source "$ext_dir/bin/lib.sh"

# php-gmp: a dependency of Debian 13's MediaWiki 1.43 package, which is unpacked rather than installed
packages=( php-cli php-curl php-gmp php-mbstring php-xml php-intl php-sqlite3 mediawiki phpunit )

missing=()
for package in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=( "$package" )
	fi
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	sudo_cmd=( sudo )
fi

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all packages present (${packages[*]})"
else
	export DEBIAN_FRONTEND=noninteractive
	echo "install-deps: installing ${missing[*]}"
	"${sudo_cmd[@]}" apt-get update -q
	"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

	# The mediawiki package pulls apache2 in, which starts it on some systems; the tests never use it.
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet apache2 2>/dev/null; then
		"${sudo_cmd[@]}" systemctl stop apache2 || true
	fi
fi

mw143=$(bash "$ext_dir/bin/install-mediawiki-1.43.sh")

php --version | head -n 1
phpunit --version
dpkg-query -W -f='MediaWiki 1.39: mediawiki ${Version}\n' mediawiki
echo "MediaWiki 1.43: mediawiki $(cat "$(mediawiki_143_home)/.complete") in $mw143"
