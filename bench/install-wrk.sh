#!/usr/bin/env bash
# Installs wrk, the benchmark's load generator, from Debian's packages (as root, or with sudo). Idempotent.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-wrk.sh: no apt-get here; install wrk (https://github.com/wg/wrk) with your package manager" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-wrk.sh: run as root, or install wrk: apt-get install -y wrk" >&2; exit 1; }
  sudo=(sudo -n)
fi
echo "install-wrk.sh: installing wrk from Debian's packages" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq wrk >/dev/null
command -v wrk >/dev/null
