#!/usr/bin/env node
// How long QEMU's dirty-bitmap sync takes, per GiB of guest RAM: the term the
// `qemu` base adds to the downtime for the last sync, which runs with the
// guest stopped (ram_save_complete -> migration_bitmap_sync_precopy).
//
// For each accelerator and RAM size it starts a stopped guest (-S, no disk,
// no kernel: the bitmap walk does not depend on what the guest runs), turns
// on the trace events migration_bitmap_sync_start/_end with time stamps,
// migrates to `exec:cat > /dev/null`, and prints each sync's duration from
// the trace. The last sync of a run is the one inside the downtime.
//
//   node scripts/measure-bitmap-sync.mjs [kvm|tcg ...]   (default: kvm if /dev/kvm is usable, else tcg)
//
// Needs qemu-system-x86_64 (scripts/ci-install-qemu.sh installs it).
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SIZES_GIB = [1, 4, 16];

function qmp(socketPath) {
  const sock = createConnection(socketPath);
  // QEMU closes the socket as it quits
  sock.on('error', () => {});
  let buffer = '';
  const waiting = [];
  sock.on('data', (d) => {
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      if (('return' in msg || 'error' in msg || 'QMP' in msg) && waiting.length) waiting.shift()(msg);
    }
  });
  const next = () => new Promise((resolve) => waiting.push(resolve));
  return {
    greeting: next(),
    cmd(execute, args) {
      const p = next();
      sock.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
      return p;
    },
    close: () => sock.end(),
  };
}

async function measure(accel, gib) {
  const dir = mkdtempSync(join(tmpdir(), 'bitmap-sync-'));
  const socket = join(dir, 'qmp.sock');
  const log = join(dir, 'trace.log');
  const q = spawn(
    'qemu-system-x86_64',
    [
      '-machine',
      `pc,accel=${accel}`,
      '-m',
      `${gib}G`,
      '-S',
      '-nographic',
      '-nodefaults',
      '-display',
      'none',
      '-qmp',
      `unix:${socket},server=on,wait=off`,
      '-trace',
      'migration_bitmap_sync_*',
      '-D',
      log,
      '-msg',
      'timestamp=on',
    ],
    { stdio: 'ignore' },
  );
  try {
    for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(50);
    const c = qmp(socket);
    await c.greeting;
    await c.cmd('qmp_capabilities');
    await c.cmd('migrate-set-parameters', { 'max-bandwidth': 100 * 1024 ** 3 });
    await c.cmd('migrate', { uri: 'exec:cat > /dev/null' });
    for (let i = 0; i < 1200; i++) {
      const r = await c.cmd('query-migrate');
      if (['completed', 'failed'].includes(r.return?.status)) break;
      await sleep(50);
    }
    void c.cmd('quit');
    c.close();
    await new Promise((resolve) => q.on('exit', resolve));
    const marks = [...readFileSync(log, 'utf8').matchAll(/@(\d+\.\d+):migration_bitmap_sync_(start|end)/g)].map((m) => [m[2], Number(m[1])]);
    const ms = [];
    for (let i = 0; i + 1 < marks.length; i += 2) if (marks[i][0] === 'start' && marks[i + 1][0] === 'end') ms.push((marks[i + 1][1] - marks[i][1]) * 1000);
    return ms;
  } finally {
    q.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const kvmUsable = (() => {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();
const accels = process.argv.slice(2).length ? process.argv.slice(2) : [kvmUsable ? 'kvm' : 'tcg'];
for (const accel of accels) {
  for (const gib of SIZES_GIB) {
    const ms = await measure(accel, gib);
    const last = ms[ms.length - 1];
    console.log(`${accel} ${gib} GiB: syncs ${ms.map((v) => v.toFixed(3)).join(', ')} ms; last ${last?.toFixed(3)} ms = ${(last / gib).toFixed(4)} ms/GiB`);
  }
}
