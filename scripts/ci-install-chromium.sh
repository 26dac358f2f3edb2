#!/usr/bin/env bash
# Installs Debian's chromium for the report's browser test (test/report/browser.test.ts),
# which drives it with playwright-core at /usr/bin/chromium: never a browser
# downloaded by playwright. Idempotent: does nothing when it is already there.
# Debian/Ubuntu only (apt-get); needs root or sudo.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "ci-install-chromium: /usr/bin/chromium already present"
  exit 0
fi

# shellcheck source=lib/apt-install.sh
. "$(dirname "$0")/lib/apt-install.sh"
apt_install ci-install-chromium chromium

[ -x /usr/bin/chromium ] || { echo "ci-install-chromium: /usr/bin/chromium still missing after install" >&2; exit 1; }
echo "ci-install-chromium: done ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
