import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildGuest, guestCommandLine, guestToolchainProblem, GuestToolchainError } from '../../src/calibrate/guest.js';

const MULTIBOOT_MAGIC = 0x1badb002;

test('guest command line carries ws, rate and fill', () => {
  assert.equal(guestCommandLine({ wsMiB: 64, ratePagesPerSec: 16384 }), 'ws=64 rate=16384 fill=1');
  assert.equal(guestCommandLine({ wsMiB: 0, ratePagesPerSec: 0, fill: false }), 'ws=0 rate=0 fill=0');
});

test("the feature grid's page contents are numbered as guest.c reads them; the default writer keeps its old command line", () => {
  assert.equal(guestCommandLine({ wsMiB: 32, ratePagesPerSec: 2048, fillContent: 'random', pageContent: 'random' }), 'ws=32 rate=2048 fill=2 content=2 delta=1');
  assert.equal(guestCommandLine({ wsMiB: 64, ratePagesPerSec: 16384, pageContent: 'delta', deltaBytes: 16 }), 'ws=64 rate=16384 fill=1 content=3 delta=16');
  assert.equal(guestCommandLine({ wsMiB: 64, ratePagesPerSec: 16384, pageContent: 'zero' }), 'ws=64 rate=16384 fill=1 content=1 delta=1');
  assert.equal(guestCommandLine({ wsMiB: 4, ratePagesPerSec: 2048, pageContent: 'byte' }), 'ws=4 rate=2048 fill=1');
  assert.equal(guestCommandLine({ wsMiB: 4, ratePagesPerSec: 1024, pageContent: 'delta', deltaBytes: 16, flushTlb: true }), 'ws=4 rate=1024 fill=1 content=3 delta=16 flush=1');
  assert.equal(guestCommandLine({ wsMiB: 4, ratePagesPerSec: 2048, flushTlb: true }), 'ws=4 rate=2048 fill=1 content=0 delta=1 flush=1');
  // fill=0 wins over a fill content: nothing is written.
  assert.equal(guestCommandLine({ wsMiB: 0, ratePagesPerSec: 0, fill: false, fillContent: 'random' }), 'ws=0 rate=0 fill=0');
});

test('the guest builds into a 32-bit multiboot ELF, and a second build comes from the cache', async (t) => {
  const problem = await guestToolchainProblem();
  if (problem !== undefined) {
    t.skip(`cannot build 32-bit code here: ${problem}`);
    return;
  }
  const cacheDir = mkdtempSync(join(tmpdir(), 'migsweep-guest-test-'));
  try {
    const path = await buildGuest({ cacheDir });
    const elf = readFileSync(path);
    assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]); // \x7fELF
    assert.equal(elf[4], 1, 'ELFCLASS32: QEMU loads multiboot kernels only as 32-bit ELF');
    assert.equal(elf.readUInt16LE(18), 3, 'EM_386');
    // Multiboot spec 3.1.1: the header is 32-bit aligned within the first 8192 bytes,
    // and magic + flags + checksum == 0 (mod 2^32).
    let found = -1;
    for (let off = 0; off + 12 <= Math.min(elf.length, 8192); off += 4) {
      if (elf.readUInt32LE(off) === MULTIBOOT_MAGIC) {
        found = off;
        break;
      }
    }
    assert.ok(found >= 0, 'multiboot header in the first 8 KiB');
    const sum = (elf.readUInt32LE(found) + elf.readUInt32LE(found + 4) + elf.readUInt32LE(found + 8)) >>> 0;
    assert.equal(sum, 0);
    assert.equal(elf.readUInt32LE(found + 4) & 0x2, 0x2, 'asks the loader for the memory map');

    // A second build would write a new file and rename it over the cached one (a new inode).
    const before = statSync(path);
    assert.equal(await buildGuest({ cacheDir }), path);
    const after = statSync(path);
    assert.equal(after.ino, before.ino, 'the cached kernel is returned, not rebuilt');
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.deepEqual(readdirSync(cacheDir), [basename(path)], 'no partial build left beside it');
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a missing compiler is reported with the package to install', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'migsweep-guest-test-'));
  try {
    await assert.rejects(buildGuest({ cacheDir, cc: 'migsweep-no-such-cc' }), (err: unknown) => {
      assert.ok(err instanceof GuestToolchainError);
      assert.match(err.message, /apt-get install -y gcc gcc-multilib/);
      return true;
    });
    assert.match((await guestToolchainProblem('migsweep-no-such-cc')) ?? '', /not installed.*gcc-multilib/);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
