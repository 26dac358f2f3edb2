#!/usr/bin/env bash
# Installs what the real-QEMU calibration needs (src/calibrate/): the
# qemu-system-x86_64 emulator and a gcc that can build 32-bit freestanding
# code (the multiboot calibration guest). Idempotent: does nothing when both
# already work. Debian/Ubuntu only (apt-get); needs root or sudo.
set -euo pipefail

have_qemu() { command -v qemu-system-x86_64 >/dev/null 2>&1; }

have_gcc_m32() {
  command -v gcc >/dev/null 2>&1 || return 1
  local dir
  dir=$(mktemp -d)
  # A 64-bit division needs __udivdi3 from the 32-bit libgcc, which only gcc-multilib provides.
  printf 'unsigned long long d(unsigned long long a, unsigned long long b) { return a / b; }\nvoid _start(void) { for (;;) {} }\n' >"$dir/probe.c"
  local ok=0
  gcc -m32 -ffreestanding -nostdlib -fno-pie -no-pie -O2 -o "$dir/probe" "$dir/probe.c" -lgcc >/dev/null 2>&1 || ok=1
  rm -rf "$dir"
  return $ok
}

packages=()
have_qemu || packages+=(qemu-system-x86)
have_gcc_m32 || packages+=(gcc gcc-multilib)

if [ ${#packages[@]} -eq 0 ]; then
  echo "ci-install-qemu: qemu-system-x86_64 and gcc -m32 already present"
  exit 0
fi

# shellcheck source=lib/apt-install.sh
. "$(dirname "$0")/lib/apt-install.sh"
apt_install ci-install-qemu "${packages[@]}"

have_qemu || { echo "ci-install-qemu: qemu-system-x86_64 still missing after install" >&2; exit 1; }
have_gcc_m32 || { echo "ci-install-qemu: gcc -m32 still cannot link after install" >&2; exit 1; }
echo "ci-install-qemu: done"
