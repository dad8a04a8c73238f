#!/usr/bin/env bash
# Builds the linearizability checker (checker/: porcupine, pinned by go.mod and go.sum, from the Go module proxy)
# into ~/.cache/kask-ts, named after its sources' digest: quick when done, and a change gets a new binary.
# Installs Debian's golang-go when no Go is found. Prints the path of the checker.
set -euo pipefail
cd "$(dirname "$0")/checker"

digest=$(cat go.mod go.sum ./*.go | sha256sum | cut -c1-12)
binary="${XDG_CACHE_HOME:-$HOME/.cache}/kask-ts/histories-checker-$digest"
if [ ! -x "$binary" ]; then
  PATH="$PATH:/usr/local/go/bin:/usr/lib/go/bin"
  if ! command -v go >/dev/null; then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    echo "histories/build-checker: installing golang-go" >&2
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends golang-go >&2 ||
      { "${sudo_cmd[@]}" apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends golang-go >&2; }
  fi
  mkdir -p "$(dirname "$binary")"
  # -mod=readonly: go.sum must already pin every module; a build never changes it.
  GOFLAGS=-mod=readonly go build -trimpath -o "$binary.partial" . >&2
  mv "$binary.partial" "$binary"
fi
echo "$binary"
