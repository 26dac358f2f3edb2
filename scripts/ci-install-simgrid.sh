#!/usr/bin/env bash
# Installs what the SimGrid oracle of the fleet tests needs
# (test/fleet/simgrid-oracle.test.ts builds test/fleet/oracle/simgrid-flows.cpp):
# Debian's libsimgrid-dev, g++ and pkg-config. Idempotent: does nothing when
# `pkg-config simgrid` answers and g++ is there. Debian/Ubuntu only (apt-get);
# needs root or sudo.
set -euo pipefail

have_all() {
  command -v g++ >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 && pkg-config --exists simgrid
}

if have_all; then
  echo "ci-install-simgrid: SimGrid $(pkg-config --modversion simgrid), g++ and pkg-config already present"
  exit 0
fi

# shellcheck source=lib/apt-install.sh
. "$(dirname "$0")/lib/apt-install.sh"
apt_install ci-install-simgrid libsimgrid-dev g++ pkg-config

have_all || { echo "ci-install-simgrid: pkg-config simgrid or g++ still missing after install" >&2; exit 1; }
echo "ci-install-simgrid: done (SimGrid $(pkg-config --modversion simgrid))"
