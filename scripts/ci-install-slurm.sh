#!/usr/bin/env bash
# Installs a single-node Slurm for the end-to-end test of deploy/slurm/
# (scripts/ci-slurm-e2e.sh): Debian's slurmctld, slurmd, slurm-client and
# munge. Idempotent: does nothing when they are already there. The packages
# start no daemon here (no systemd in a container); the e2e script starts
# its own with its own configuration. Debian/Ubuntu only (apt-get); needs
# root or sudo.
set -euo pipefail

have_all() {
  local c
  for c in slurmctld slurmd sbatch scontrol sinfo munged mungekey munge unmunge; do
    command -v "$c" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "$c" >/dev/null 2>&1 || return 1
  done
}

if have_all; then
  echo "ci-install-slurm: slurmctld, slurmd, the Slurm clients and munge already present"
  exit 0
fi

# shellcheck source=lib/apt-install.sh
. "$(dirname "$0")/lib/apt-install.sh"
apt_install ci-install-slurm slurmctld slurmd slurm-client munge

have_all || { echo "ci-install-slurm: Slurm or munge still missing after install" >&2; exit 1; }
echo "ci-install-slurm: done ($(PATH="$PATH:/usr/sbin" slurmctld -V 2>/dev/null || echo 'version unknown'))"
