#!/usr/bin/env bash
# Installs what `npm test` needs beyond npm packages; every step is idempotent and quick when done:
#  - PHP, PHPUnit and MediaWiki 1.39 from Debian 12's packages (as root, or with sudo), and MediaWiki 1.43
#    LTS from Debian 13's, unpacked into a cache outside the repository; php-curl for php-session's tests;
#  - OpenJDK 17 and Maven from Debian's packages when missing, then Cassandra's jars from Maven Central
#    (cached outside the repository);
#  - wrk from Debian's packages, for the benchmark's smoke test;
#  - systemd from Debian's packages when systemd-analyze is missing, for the check of deploy/kask-ts.service;
#  - faketime, iproute2 and iptables from Debian's packages when missing, for the histories' clock skew and partitions;
#  - Schemathesis from PyPI, pinned and hash-checked, in a venv under ~/.cache/kask-ts (fuzz/install.sh);
#  - the histories' linearizability checker (porcupine, pinned by histories/checker/go.sum), built with Go into
#    ~/.cache/kask-ts; Debian's golang-go is installed when no Go is found (histories/build-checker.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash mediawiki-extension/bin/install-deps.sh
bash php-session/bin/install-deps.sh

missing=()
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ] || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v systemd-analyze >/dev/null || missing+=(systemd)
# The histories: a server's clock set behind (faketime), network namespaces and their partitions (ip, iptables).
[ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || missing+=(faketime)
command -v ip >/dev/null || missing+=(iproute2)
command -v iptables >/dev/null || missing+=(iptables)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "install-test-deps: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    { "${sudo_cmd[@]}" apt-get update -q && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; }
fi
bash tools/cassandra/install.sh >/dev/null
bash bench/install-wrk.sh
bash fuzz/install.sh >/dev/null
bash histories/build-checker.sh >/dev/null
