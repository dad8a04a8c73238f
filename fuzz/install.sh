#!/usr/bin/env bash
# Installs Schemathesis, pinned and hash-checked (fuzz/requirements.txt), into a virtual environment in
# ~/.cache/kask-ts named after the requirements' digest: quick when done, and a new pin gets a new venv.
# Prints the path of the schemathesis command.
set -euo pipefail
cd "$(dirname "$0")"

digest=$(sha256sum requirements.txt | cut -c1-12)
venv="${XDG_CACHE_HOME:-$HOME/.cache}/kask-ts/schemathesis-$digest"
# A venv cannot be moved (its scripts name their interpreter by path): a marker says it is complete.
if [ ! -e "$venv/installed" ]; then
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    echo "fuzz/install: installing python3-venv" >&2
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends python3-venv >&2 ||
      { "${sudo_cmd[@]}" apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends python3-venv >&2; }
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --require-hashes -r requirements.txt >&2
  touch "$venv/installed"
fi
echo "$venv/bin/schemathesis"
