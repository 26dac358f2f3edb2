/**
 * bench/process-tree.ts: the peak memory of a command is that of its whole
 * process tree, grandchildren included (a command that starts processes
 * must not look smaller than it is), sampled from /proc.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../../bench/process-tree.js';

const MiB = 1024 * 1024;

// A child that holds 200 MiB and starts a grandchild holding 120 MiB; both hold their memory together for 1.5 s.
const GRANDCHILD = `const b = Buffer.alloc(120 * ${MiB}, 1); console.log('ready'); setTimeout(() => b.length, 60000);`;
const CHILD = `
const { spawn } = require('node:child_process');
const b = Buffer.alloc(200 * ${MiB}, 1);
const g = spawn(process.execPath, ['-e', ${JSON.stringify(GRANDCHILD)}], { stdio: ['ignore', 'pipe', 'inherit'] });
g.stdout.once('data', () => setTimeout(() => { g.kill(); console.log(b.length); }, 1500));
`;

test('the peak RSS of a command counts its children and grandchildren together', async (t) => {
  const r = await runCommand(process.execPath, ['-e', CHILD], process.cwd());
  if (Number.isNaN(r.peakRssBytes)) return t.skip('no /proc on this system');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), String(200 * MiB));
  // 200 + 120 MiB of filled buffers, plus two Node.js processes (each well under 150 MiB without them)
  assert.ok(r.peakRssBytes >= 320 * MiB, `peak ${Math.round(r.peakRssBytes / MiB)} MiB, expected at least 320`);
  assert.ok(r.peakRssBytes < 320 * MiB + 2 * 150 * MiB, `peak ${Math.round(r.peakRssBytes / MiB)} MiB`);
});

// A child that keeps a worker thread and its main thread busy with the same fixed work (some 400 ms of CPU each on
// this machine, more on a loaded one: the amount of work is fixed, not the time), then prints its own CPU time (all threads).
const SPINNER = `
const { Worker } = require('node:worker_threads');
const spin = 'let x = 0; for (let i = 0; i < 1e8; i++) x = (x + i * 7) % 1000003; globalThis.x = x;';
const w = new Worker(spin, { eval: true });
eval(spin);
w.on('exit', () => { const u = process.cpuUsage(); console.log((u.user + u.system) / 1000); });
`;

test("a command's CPU time is that of all its threads, read from /proc/self/stat once it has ended", async (t) => {
  const r = await runCommand(process.execPath, ['-e', SPINNER], process.cwd());
  if (Number.isNaN(r.cpuMs)) return t.skip('no /proc on this system');
  assert.equal(r.code, 0, r.stderr);
  // the child's own account (getrusage of the whole process) at its end, against the parent's of the reaped child
  const own = Number(r.stdout.trim());
  assert.ok(own >= 100, `the child says ${own} ms`);
  assert.ok(Math.abs(r.cpuMs - own) <= 150, `the parent read ${r.cpuMs} ms, the child said ${own} ms`);
});
