#!/usr/bin/env node
// Per-channel compression throughput and ratio of multifd's zlib and zstd at
// QEMU's default levels (migration/options.c DEFAULT_MIGRATE_MULTIFD_ZLIB_LEVEL
// and DEFAULT_MIGRATE_MULTIFD_ZSTD_LEVEL, both 1), on sample pages cut into
// 512 KiB packets (MULTIFD_PACKET_SIZE: a channel compresses the normal pages
// of one packet at a time). One thread, as one channel. Throughput is raw
// bytes per second of CPU time (user + system), not of wall-clock time, so
// that other work on the machine slows the measurement less.
//
//   node scripts/measure-compression.mjs [seconds-per-measurement]   (default 2)
//
// zlib: node's zlib (the C zlib), deflateSync at level 1, packet by packet
//   (CPU time from process.cpuUsage).
// zstd: Debian's `zstd` command (apt-get install zstd), `zstd -1 --single-thread`
//   over the whole sample as one stream, as a channel's stream runs on from
//   packet to packet (CPU time of the zstd processes from bash's `times`).
// Samples: `text` (JavaScript source: typescript/lib/_tsc.js), `code` (16 MiB of
// the node executable), `random` (incompressible), and `mixed` (the three, packet
// after packet). Prints a Markdown table for docs/wire.md#compression.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync, readSync, closeSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { deflateSync, constants } from 'node:zlib';
import { createRequire } from 'node:module';

const PACKET = 512 * 1024;
const seconds = Number(process.argv[2] ?? 2);

function slice(file, offset, bytes) {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(bytes);
  const n = readSync(fd, buf, 0, bytes, offset);
  closeSync(fd);
  return buf.subarray(0, n - (n % PACKET));
}

const require = createRequire(import.meta.url);
const text = readFileSync(require.resolve('typescript/lib/_tsc.js'));
const samples = {
  text: text.subarray(0, text.length - (text.length % PACKET)),
  code: slice(process.execPath, 16 * 1024 * 1024, 16 * 1024 * 1024),
  random: randomBytes(8 * 1024 * 1024),
};
const mixedParts = [];
const n = Math.min(...Object.values(samples).map((b) => b.length / PACKET));
for (let i = 0; i < n; i++) for (const b of Object.values(samples)) mixedParts.push(b.subarray(i * PACKET, (i + 1) * PACKET));
samples.mixed = Buffer.concat(mixedParts);

function zlib(buf) {
  let out = 0;
  let rounds = 0;
  const c0 = process.cpuUsage();
  let cpuS = 0;
  while (cpuS < seconds || rounds === 0) {
    out = 0;
    for (let at = 0; at < buf.length; at += PACKET) out += deflateSync(buf.subarray(at, at + PACKET), { level: 1, strategy: constants.Z_DEFAULT_STRATEGY }).length;
    rounds++;
    const c = process.cpuUsage(c0);
    cpuS = (c.user + c.system) / 1e6;
  }
  return { ratio: out / buf.length, bytesPerSec: (buf.length * rounds) / cpuS };
}

function zstd(buf, dir) {
  const file = join(dir, 'sample.bin');
  writeFileSync(file, buf);
  const size = spawnSync('bash', ['-c', 'zstd -1 --single-thread -q -c "$1" | wc -c', '-', file], { encoding: 'utf8' });
  if (size.status !== 0) throw new Error(`zstd failed: ${size.stderr}`);
  // enough rounds for `seconds` of CPU at ~500 MB/s; bash's `times` prints the children's user and system time
  const rounds = Math.max(1, Math.ceil((seconds * 5e8) / buf.length));
  const script = `for i in $(seq ${rounds}); do zstd -1 --single-thread -q -c "$1" > /dev/null; done; times`;
  const r = spawnSync('bash', ['-c', script, '-', file], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`zstd failed: ${r.error?.message ?? r.stderr}`);
  const times = [...r.stdout.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  // times: shell user, shell system, children user, children system
  const cpuS = (times[2] ?? NaN) + (times[3] ?? NaN);
  return { ratio: Number(size.stdout.trim()) / buf.length, bytesPerSec: (buf.length * rounds) / cpuS };
}

const dir = mkdtempSync(join(tmpdir(), 'measure-compression-'));
const version = spawnSync('zstd', ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`# ${new Date().toISOString()}, ${cpus()[0]?.model ?? 'cpu'}, node ${process.version} (zlib ${process.versions.zlib}), ${version}`);
console.log('| sample | size | zlib-1 ratio | zlib-1 MB/s of CPU | zstd-1 ratio | zstd-1 MB/s of CPU |');
console.log('|---|---|---|---|---|---|');
try {
  for (const [name, buf] of Object.entries(samples)) {
    const z = zlib(buf);
    const s = zstd(buf, dir);
    const mb = (v) => (v / 1e6).toFixed(0);
    console.log(`| ${name} | ${(buf.length / 2 ** 20).toFixed(0)} MiB | ${z.ratio.toFixed(3)} | ${mb(z.bytesPerSec)} | ${s.ratio.toFixed(3)} | ${mb(s.bytesPerSec)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
