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

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-install-chromium: apt-get not found; install chromium at /usr/bin/chromium by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ci-install-chromium: need root (or sudo) to apt-get install chromium" >&2
    exit 1
  fi
fi

echo "ci-install-chromium: installing chromium"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium

[ -x /usr/bin/chromium ] || { echo "ci-install-chromium: /usr/bin/chromium still missing after install" >&2; exit 1; }
echo "ci-install-chromium: done ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
