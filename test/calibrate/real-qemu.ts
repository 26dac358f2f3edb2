// Whether real-QEMU tests can run here; skipped (with the reason printed)
// where qemu-system-x86_64 or a 32-bit gcc is missing.
// scripts/ci-install-qemu.sh installs both.
import type { TestContext } from 'node:test';
import { guestToolchainProblem } from '../../src/calibrate/guest.js';
import { findQemu } from '../../src/calibrate/qemu.js';

/** Why real-QEMU tests cannot run here, or undefined. */
export async function realQemuProblem(): Promise<string | undefined> {
  if (findQemu() === undefined) return 'qemu-system-x86_64 is not installed (apt-get install -y qemu-system-x86, or scripts/ci-install-qemu.sh)';
  return guestToolchainProblem();
}

/** Skip the test (saying why) when real QEMU cannot run; true when skipped. */
export async function skipWithoutQemu(t: TestContext): Promise<boolean> {
  const problem = await realQemuProblem();
  if (problem !== undefined) {
    t.skip(`needs real QEMU: ${problem}`);
    return true;
  }
  return false;
}
