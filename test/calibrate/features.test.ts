import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsupportedReason, type WireSupport } from '../../src/calibrate/features.js';
import { featureGrid } from '../../src/calibrate/grid.js';
import { normalizeRunConfig, wireSettings } from '../../src/calibrate/measure.js';
import { itemAt } from '../../src/common/lookup.js';

const MIB = 2 ** 20;
/** What QEMU 7.2.22 (Debian 12) answered here: every capability the grid needs, both compressions. */
const QEMU_7_2: WireSupport = { capabilities: ['xbzrle', 'auto-converge', 'events', 'multifd'], compressionProblems: {} };

function run(name: string): ReturnType<typeof featureGrid>[number] {
  const r = featureGrid().find((x) => x.name === name);
  assert.ok(r, name);
  return r;
}

test('the feature grid turns on multifd (2 and 4 channels), zstd and zlib on multifd, and XBZRLE with a cache above and below the working set', () => {
  const grid = featureGrid();
  assert.deepEqual(
    grid.map((r) => r.name),
    ['single', 'single-zero', 'multifd2', 'multifd4', 'multifd2-zero', 'zstd2', 'zlib2', 'zstd2-random', 'xbzrle-large', 'xbzrle-small', 'xbzrle-large-1m', 'xbzrle-small-1m'],
  );
  assert.deepEqual(
    grid.map((r) => [r.multifdChannels ?? 0, r.multifdCompression ?? 'none', (r.xbzrleCacheBytes ?? 0) / MIB]),
    [
      [0, 'none', 0],
      [0, 'none', 0],
      [2, 'none', 0],
      [4, 'none', 0],
      [2, 'none', 0],
      [2, 'zstd', 0],
      [2, 'zlib', 0],
      [2, 'zstd', 0],
      [0, 'none', 8],
      [0, 'none', 1],
      [0, 'none', 4],
      [0, 'none', 0.5],
    ],
  );
  const large = run('xbzrle-large');
  const small = run('xbzrle-small');
  assert.ok((large.xbzrleCacheBytes ?? 0) > large.wsMiB * MIB && (small.xbzrleCacheBytes ?? 0) < small.wsMiB * MIB);
  // Without XBZRLE its writer (4 MiB/s of page writes) dirties as fast as its link (4 MiB/s) sends: the cache decides.
  assert.ok(large.ratePagesPerSec * 4096 >= large.maxBandwidthBytesPerSec);
});

test('multifd is set on both QEMUs with the same channels and compression; XBZRLE and the default runs only on the source', () => {
  const zstd = wireSettings(normalizeRunConfig(run('zstd2')));
  assert.deepEqual(zstd.sourceCapabilities, [{ capability: 'multifd', state: true }]);
  assert.deepEqual(zstd.destinationCapabilities, zstd.sourceCapabilities);
  assert.deepEqual(zstd.sourceParameters, { 'multifd-channels': 2, 'multifd-compression': 'zstd' });
  assert.deepEqual(zstd.destinationParameters, zstd.sourceParameters);

  const xbzrle = wireSettings(normalizeRunConfig(run('xbzrle-small')));
  assert.deepEqual(xbzrle.sourceCapabilities, [{ capability: 'xbzrle', state: true }]);
  assert.deepEqual(xbzrle.sourceParameters, { 'xbzrle-cache-size': 1 * MIB });
  assert.deepEqual([xbzrle.destinationCapabilities, xbzrle.destinationParameters], [[], {}]);

  const plain = wireSettings(normalizeRunConfig({ ramMiB: 256, wsMiB: 4, ratePagesPerSec: 2048, maxBandwidthBytesPerSec: 32 * MIB, downtimeLimitMs: 300, timeBoundS: 60 }));
  assert.deepEqual(plain, { sourceCapabilities: [], sourceParameters: {}, destinationCapabilities: [], destinationParameters: {} });
});

test('a run is skipped only for what this QEMU lacks, in its words', () => {
  for (const r of featureGrid()) assert.equal(unsupportedReason(r, QEMU_7_2), undefined, r.name);
  const noZstd: WireSupport = { ...QEMU_7_2, compressionProblems: { zstd: "Parameter 'multifd-compression' does not accept value 'zstd'" } };
  const skipped = featureGrid().filter((r) => unsupportedReason(r, noZstd) !== undefined);
  assert.deepEqual(
    skipped.map((r) => r.name),
    ['zstd2', 'zstd2-random'],
  );
  assert.equal(unsupportedReason(itemAt(skipped, 0), noZstd), "this QEMU lacks multifd-compression zstd (QEMU: Parameter 'multifd-compression' does not accept value 'zstd')");
  const noXbzrle: WireSupport = { ...QEMU_7_2, capabilities: ['multifd', 'events'] };
  assert.deepEqual(
    featureGrid()
      .filter((r) => unsupportedReason(r, noXbzrle) !== undefined)
      .map((r) => r.name),
    ['xbzrle-large', 'xbzrle-small', 'xbzrle-large-1m', 'xbzrle-small-1m'],
  );
  assert.match(unsupportedReason(run('xbzrle-large'), noXbzrle) ?? '', /lacks the xbzrle capability \(not in query-migrate-capabilities\)/);
});
