// Real QEMU: skipped (with the reason printed) where qemu-system-x86_64 or a
// 32-bit gcc is missing. scripts/ci-install-qemu.sh installs both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGuest } from '../../src/calibrate/guest.js';
import { liveQemuCount, makeWorkDir, QemuProcess } from '../../src/calibrate/qemu.js';
import { measureMigration } from '../../src/calibrate/measure.js';
import { skipWithoutQemu } from './real-qemu.js';

const MIB = 2 ** 20;
const QEMU_MAX_BANDWIDTH_128 = 128 * MIB;

/** Alive = exists and is not a zombie (an orphan may wait a while for init to reap it). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitDead(pid: number, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

test('an idle guest whose RAM was never written migrates at 128 MiB/s in milliseconds, almost all as zero pages', async (t) => {
  if (await skipWithoutQemu(t)) return;
  const r = await measureMigration({
    ramMiB: 256,
    wsMiB: 0,
    ratePagesPerSec: 0,
    fill: false,
    maxBandwidthBytesPerSec: QEMU_MAX_BANDWIDTH_128,
    downtimeLimitMs: 300,
    timeBoundS: 30,
  });
  assert.equal(r.outcome, 'completed');
  // Observed with QEMU 7.2 TCG: ~20 ms, 2 syncs (the setup sync and the final one in
  // ram_save_complete: nothing was pending, so no sync in between), ~0.7 MB sent.
  assert.ok(r.syncs <= 3, `syncs ${r.syncs}`);
  assert.ok(r.transferredBytes < 4 * MIB, `transferred ${r.transferredBytes} B`);
  // 256 MiB = 65536 pages; all but the few the firmware and the guest kernel touched are zero.
  assert.ok(r.duplicatePages > 65000, `duplicate ${r.duplicatePages}`);
  assert.ok(r.normalPages < 1000, `normal ${r.normalPages}`);
  assert.ok(r.downtimeMs !== null && r.downtimeMs < 300);
  assert.equal(liveQemuCount(), 0);
});

test('an idle guest with all RAM filled sends every page once at max-bandwidth, and only the final copy runs faster', async (t) => {
  if (await skipWithoutQemu(t)) return;
  const r = await measureMigration({
    ramMiB: 256,
    wsMiB: 0,
    ratePagesPerSec: 0,
    maxBandwidthBytesPerSec: QEMU_MAX_BANDWIDTH_128,
    downtimeLimitMs: 300,
    timeBoundS: 30,
  });
  assert.equal(r.outcome, 'completed');
  // Switch-over happens inside the first pass (docs/qemu-observed.md#1-switch-over-inside-the-first-pass): sync 1 at
  // setup, sync 2 when the unsent rest of the first copy fell below
  // bandwidth x 300 ms, sync 3 in the final copy. Observed: 3.
  assert.ok(r.syncs >= 2 && r.syncs <= 4, `syncs ${r.syncs}`);
  // Every filled page is sent once (4 KiB + 8 B header): ~272 MB for 256 MiB.
  assert.ok(r.transferredBytes > 255 * MIB && r.transferredBytes < 1.1 * r.ramTotalBytes, `transferred ${r.transferredBytes}`);
  assert.ok((r.guestFillBytes ?? 0) > 250 * MIB);
  // The last bandwidth x downtime-limit worth (~30-40 MB) goes while the guest is
  // stopped, without the rate limit: downtime is far below 300 ms.
  assert.ok(r.downtimeBytes !== null && r.downtimeBytes > 10 * MIB, `downtime bytes ${r.downtimeBytes}`);
  assert.ok(r.downtimeMs !== null && r.downtimeMs < 300, `downtime ${r.downtimeMs}`);
  // While active QEMU's mbps never exceeds the limit (128 MiB/s = 1073.7 Mbit/s; 1.5 % for
  // the 100 ms windows' rounding). How far below it sits depends on the host's load (TCG
  // shares the CPUs with everything else), so that is not asserted.
  assert.ok(r.meanMbps !== null && r.meanMbps > 0 && r.meanMbps <= 1.015 * 1073.7, `mean mbps ${r.meanMbps}`);
  // The live copy cannot beat the rate limit: QEMU sends at most max-bandwidth per
  // 100 ms window (migration_rate_limit), so precopy bytes take at least their
  // time at 128 MiB/s, less one window. (No upper bound: how long a TCG guest
  // takes depends on the host's load, not on QEMU's rules.)
  const floorMs = ((r.precopyBytes as number) / QEMU_MAX_BANDWIDTH_128) * 1000 - 100;
  assert.ok(r.totalTimeMs >= floorMs, `total ${r.totalTimeMs} ms, the rate limit allows no less than ${floorMs.toFixed(0)} ms`);
  assert.equal(liveQemuCount(), 0);
});

test('a QEMU that fails to start is not left running', async (t) => {
  if (await skipWithoutQemu(t)) return;
  const dir = makeWorkDir();
  try {
    await assert.rejects(
      QemuProcess.start({
        name: 'broken',
        kernelPath: join(dir.path, 'no-such-kernel.elf'),
        append: '',
        ramMiB: 64,
        accel: 'tcg',
        workDir: dir.path,
      }),
      /exited during start-up/,
    );
    assert.equal(liveQemuCount(), 0);
  } finally {
    dir.remove();
  }
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
  test(`${signal} to the parent process takes its QEMU down with it`, async (t) => {
    if (await skipWithoutQemu(t)) return;
    if (signal === 'SIGKILL' && !['/usr/bin/setpriv', '/bin/setpriv'].some((p) => existsSync(p))) {
      t.skip('SIGKILL cannot be caught; without util-linux setpriv (PR_SET_PDEATHSIG) QEMU would outlive it');
      return;
    }
    const kernelPath = await buildGuest();
    const dir = mkdtempSync(join(tmpdir(), 'migsweep-orphan-'));
    const script = join(dir, 'parent.mjs');
    const qemuModule = new URL('../../src/calibrate/qemu.js', import.meta.url).href;
    writeFileSync(
      script,
      `import { QemuProcess } from ${JSON.stringify(qemuModule)};\n` +
        `const q = await QemuProcess.start({ name: 'orphan', kernelPath: ${JSON.stringify(kernelPath)}, append: 'ws=0 rate=0 fill=0', ramMiB: 64, accel: 'tcg', workDir: ${JSON.stringify(dir)} });\n` +
        `process.stdout.write(String(q.pid) + '\\n');\n` +
        `setInterval(() => {}, 1000);\n`,
    );
    const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const qemuPid = await new Promise<number>((resolve, reject) => {
        let out = '';
        parent.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        parent.once('exit', () => reject(new Error('parent exited before starting QEMU')));
      });
      assert.ok(isAlive(qemuPid));
      // SIGKILL cannot be caught: only PR_SET_PDEATHSIG (setpriv) covers it.
      parent.kill(signal);
      assert.ok(await waitDead(qemuPid, 5000), `QEMU ${qemuPid} still alive after ${signal} to its parent`);
    } finally {
      parent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
