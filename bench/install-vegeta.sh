#!/usr/bin/env bash
# Installs vegeta, the benchmark's open-model (constant-rate) load generator, from the Go module proxy into
# <repo>/.cache/bench/bin (pinned; `go install` builds it, Go >= 1.22 needed). Idempotent.
set -euo pipefail
version=v12.13.0
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$repo/.cache/bench/bin"
if [[ -x $bin/vegeta ]] && "$bin/vegeta" -version 2>/dev/null | grep -q "Version: $version"; then exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-vegeta.sh: no Go here; install Go >= 1.22 (Debian: apt-get install golang-go from a release that has it)" >&2
  exit 1
fi
echo "install-vegeta.sh: building vegeta $version from the Go module proxy into $bin" >&2
mkdir -p "$bin"
GOBIN="$bin" GOFLAGS=-buildvcs=false go install -ldflags "-X main.Version=$version" "github.com/tsenart/vegeta/v12@$version"
"$bin/vegeta" -version >/dev/null
