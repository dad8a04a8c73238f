#!/usr/bin/env bash
# Installs MediaWiki 1.43 LTS next to Debian 12's 1.39, for the KaskStore tests: Debian 13 (trixie)'s
# `mediawiki` and `mediawiki-classes` packages, downloaded by apt from trixie's archive and unpacked
# into a cache directory (default ~/.cache/kask-ts/mediawiki-1.43, KASKSTORE_MW143_HOME). Prints the
# MediaWiki directory (MW_INSTALL_PATH for the tests). Idempotent: a complete cache is left as it is;
# delete the directory to fetch trixie's current 1.43.x again.
#
# Why unpacked rather than installed with apt pinning: dpkg holds one version of a package, and the
# tests need 1.39 and 1.43 side by side. The package bundles its PHP libraries (vendor/); the PHP
# extensions it depends on (PHP >= 8.1: Debian 12's 8.2 and its php-* packages) come from
# bin/install-deps.sh. The machine's apt sources, lists and package database are not touched:
# apt runs with a private state directory inside the cache.
set -euo pipefail

ext_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
source "$ext_dir/bin/lib.sh"

home=$(mediawiki_143_home)
if [ -f "$home/.complete" ]; then
	echo "$home/usr/share/mediawiki"
	exit 0
fi

for tool in apt-get dpkg-deb; do
	command -v "$tool" >/dev/null || { echo "install-mediawiki-1.43: $tool not found (Debian only)" >&2; exit 1; }
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "install-mediawiki-1.43: $keyring missing (package debian-archive-keyring)" >&2; exit 1; }

mkdir -p "$(dirname "$home")"
# Build in a fresh directory and rename at the end: an interrupted run never looks complete.
staging=$(mktemp -d "$home.partial.XXXXXX")
trap 'rm -rf "$staging"' EXIT
apt_dir="$staging/.apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
cat > "$apt_dir/sources.list" <<SOURCES
deb [signed-by=$keyring] http://deb.debian.org/debian trixie main
deb [signed-by=$keyring] http://deb.debian.org/debian-security trixie-security main
SOURCES
apt_options=(
	-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
	# apt's download user cannot write into a root-owned temp directory; nothing is installed.
	-o APT::Sandbox::User=root
)

echo "install-mediawiki-1.43: fetching trixie's mediawiki packages into $home" >&2
apt-get -q "${apt_options[@]}" update >&2
( cd "$apt_dir/debs" && apt-get -q "${apt_options[@]}" download mediawiki mediawiki-classes >&2 )
for deb in "$apt_dir/debs"/*.deb; do
	dpkg-deb -x "$deb" "$staging"
done
version=$(dpkg-deb -f "$apt_dir/debs"/mediawiki_*.deb Version)

rm -rf "$apt_dir"

# The package links /usr/share/mediawiki and /var/lib/mediawiki to each other by absolute paths;
# point them into the unpacked tree, never at the machine's 1.39.
while IFS= read -r -d '' link; do
	ln -sfn "$home$(readlink "$link")" "$link"
done < <(find "$staging" -type l -lname '/*' -print0)

echo "$version" > "$staging/.complete"
rm -rf "$home"
mv "$staging" "$home"
trap - EXIT
echo "install-mediawiki-1.43: MediaWiki $version" >&2
echo "$home/usr/share/mediawiki"
