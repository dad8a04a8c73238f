#!/usr/bin/env bash
# Installs what `npm test` needs beyond npm packages; every step is idempotent and quick when done:
# PHP, PHPUnit and MediaWiki 1.39 from Debian's packages (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash mediawiki-extension/bin/install-deps.sh
