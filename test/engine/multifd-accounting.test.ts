/**
 * What a QEMU release counts with multifd on (docs/wire.md#which-qemu-counts-what):
 * `multifdAccounting: raw` (QEMU 8.0 and before: a page handed to a channel
 * counts page size + header, charged to max-bandwidth before the channel
 * compresses) against `sent` (8.1 and later: what the channel wrote), and
 * `zeroPageDetection: legacy` (before 9.0: zero pages on the main stream at
 * 9 bytes). Every expected figure is worked out here by hand.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { scenarioWarnings } from '../../src/scenario/validate.js';
import { multifdBehaviourOf } from '../../src/engine/wire/multifd.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';
import { problems } from '../scenario/problems.js';

const PAGE = 4096;
/** multifd's header share of a page in full packets of 128: 1344 / 128 */
const HEADER = 10.5;

/** An idle guest (nothing written): every page goes exactly once. */
function idle(policy: Record<string, unknown>[], opts: { ram: number; zeroShare: number; compressibility: number; bandwidth?: number; fidelity?: 'fluid' | 'page' }) {
  return basic({
    ram: opts.ram,
    zeroShare: opts.zeroShare,
    workload: { kind: 'uniform', dirtyRate: 0, compressibility: opts.compressibility },
    bandwidth: opts.bandwidth ?? 1.25e9,
    policy,
    fidelity: opts.fidelity ?? 'fluid',
  });
}

const ZSTD2 = { kind: 'qemu', multifdChannels: 2, multifdCompression: 'zstd' };

describe('the bytes of an idle 1 GiB guest, a quarter zero pages, zstd halving each page, 2 channels', () => {
  const normal = (0.75 * GiB) / PAGE; // 196,608 pages
  const zero = (0.25 * GiB) / PAGE; // 65,536 pages
  const opts = { ram: GiB, zeroShare: 0.25, compressibility: 0.5 };

  test('QEMU 7.2 (raw, zero pages on the main stream): transferred and multifd-bytes count 4106.5 a page, the link carries 2058.5', () => {
    const r = simulate(idle([{ ...ZSTD2, maxBandwidth: 0, multifdAccounting: 'raw', zeroPageDetection: 'legacy' }], opts));
    assertClose(r.transferredBytes, normal * (PAGE + HEADER) + zero * 9, 1e-12, 'transferred');
    assertClose(r.transferredBytes, 807_960_576, 1e-12, 'transferred, by hand: 196,608 x 4106.5 + 65,536 x 9');
    assertClose(r.wireBytes, normal * (PAGE / 2 + HEADER) + zero * 9, 1e-12, 'wire: the channels wrote half of each page');
    assertClose(r.multifdBytes, normal * (PAGE + HEADER), 1e-12, 'multifd-bytes: the normal pages only, raw');
    assertClose(r.zeroPages, zero, 1e-12, 'duplicate');
  });

  test('QEMU 9.0 and later (sent, zero pages in the channels): everything counted is what crossed the link', () => {
    const r = simulate(idle([{ ...ZSTD2, maxBandwidth: 0 }], opts));
    assertClose(r.transferredBytes, normal * (PAGE / 2 + HEADER) + zero * HEADER, 1e-12, 'transferred');
    assert.equal(r.wireBytes, r.transferredBytes);
    assertClose(r.multifdBytes, r.transferredBytes, 1e-15, 'multifd-bytes');
  });

  test('QEMU 8.1-8.2 (sent, zero pages on the main stream): the zero pages are 9 bytes outside multifd-bytes', () => {
    const r = simulate(idle([{ ...ZSTD2, maxBandwidth: 0, zeroPageDetection: 'legacy' }], opts));
    assertClose(r.transferredBytes, normal * (PAGE / 2 + HEADER) + zero * 9, 1e-12, 'transferred');
    assertClose(r.multifdBytes, normal * (PAGE / 2 + HEADER), 1e-12, 'multifd-bytes');
  });

  test('raw with zero pages in the channels (no QEMU does both) counts a zero page as 7.2 counts any page it hands over', () => {
    const r = simulate(idle([{ ...ZSTD2, maxBandwidth: 0, multifdAccounting: 'raw' }], opts));
    assertClose(r.transferredBytes, (normal + zero) * (PAGE + HEADER), 1e-12, 'transferred');
    assertClose(r.wireBytes, normal * (PAGE / 2 + HEADER) + zero * HEADER, 1e-12, 'wire');
  });

  test('without compression raw and sent are the same migration, in either fidelity', () => {
    for (const fidelity of ['fluid', 'page'] as const) {
      const plain = { ...opts, compressibility: 1, fidelity };
      const sent = simulate(idle([{ kind: 'qemu', multifdChannels: 2, zeroPageDetection: 'legacy' }], plain));
      const raw = simulate(idle([{ kind: 'qemu', multifdChannels: 2, zeroPageDetection: 'legacy', multifdAccounting: 'raw' }], plain));
      assert.equal(raw.totalTimeMs, sent.totalTimeMs, fidelity);
      assert.equal(raw.transferredBytes, sent.transferredBytes, fidelity);
      assert.equal(raw.syncs, sent.syncs, fidelity);
    }
  });
});

describe('max-bandwidth charges what QEMU counts', () => {
  // 64 MiB idle guest, no zero pages, zstd to a quarter, 64 MiB/s max-bandwidth, a 10 Gbit/s link, channels
  // faster than anything else: each 100 ms window may count 6,710,886.4 bytes; threshold = 64 MiB/s x 300 ms
  // = 20,132,659.2 bytes of pending pages = 4915.2 pages
  const M = 64 * MiB;
  const policy = { ...ZSTD2, maxBandwidth: M, multifdChannelRate: 1e12, zeroPageDetection: 'legacy' };
  const opts = { ram: 64 * MiB, zeroShare: 0, compressibility: 0.25 };
  const pages = (64 * MiB) / PAGE; // 16,384
  const wirePerPage = PAGE / 4 + HEADER; // 1034.5
  const budget = M * 0.1;
  const finalSyncS = 9e-6 / 16; // 9 us per GiB of RAM, with the guest stopped
  const link = 1.25e9;

  test('raw (QEMU 7.2): 1634.2 pages a window, 8 windows, then the last 3310.3 pages at link speed: 802.7 ms', () => {
    const r = simulate(idle([{ ...policy, multifdAccounting: 'raw' }], opts));
    // after 7 windows 16,384 - 7 x 6,710,886.4 / 4106.5 = 4944.5 pages are left, above 4915.2; after 8, 3310.3
    const left = pages - (8 * budget) / (PAGE + HEADER);
    assertClose(left, 3310.3, 1e-4, 'pages left after 8 windows, by hand');
    assertClose(r.totalTimeMs, (0.8 + (left * wirePerPage) / link + finalSyncS) * 1000, 1e-9, 'total time');
    assertClose(r.transferredBytes, pages * (PAGE + HEADER), 1e-12, 'transferred: every page once, raw');
    assertClose(r.wireBytes, pages * wirePerPage, 1e-12, 'wire');
    // setup's sync, the exact count below the threshold, ram_save_complete's sync
    assert.equal(r.syncs, 3);
  });

  test('sent (QEMU 8.1 and later): the window counts compressed bytes, 6487.1 pages a window, done after 2 windows: 202.8 ms', () => {
    const r = simulate(idle([policy], opts));
    // after 1 window 16,384 - 6487.1 = 9896.9 pages are left; after 2, 3409.8, below 4915.2
    const left = pages - (2 * budget) / wirePerPage;
    assertClose(left, 3409.8, 1e-4, 'pages left after 2 windows, by hand');
    assertClose(r.totalTimeMs, (0.2 + (left * wirePerPage) / link + finalSyncS) * 1000, 1e-9, 'total time');
    assertClose(r.transferredBytes, pages * wirePerPage, 1e-12, 'transferred');
    assert.equal(r.syncs, 3);
  });
});

describe('which QEMU counts what (multifdBehaviourOf)', () => {
  test('raw up to 8.0, zero pages on the main stream before 9.0', () => {
    assert.deepEqual(multifdBehaviourOf(7, 2), { multifdAccounting: 'raw', zeroPageDetection: 'legacy' });
    assert.deepEqual(multifdBehaviourOf(8, 0), { multifdAccounting: 'raw', zeroPageDetection: 'legacy' });
    assert.deepEqual(multifdBehaviourOf(8, 1), { multifdAccounting: 'sent', zeroPageDetection: 'legacy' });
    assert.deepEqual(multifdBehaviourOf(8, 2), { multifdAccounting: 'sent', zeroPageDetection: 'legacy' });
    assert.deepEqual(multifdBehaviourOf(9, 0), { multifdAccounting: 'sent', zeroPageDetection: 'multifd' });
    assert.deepEqual(multifdBehaviourOf(10, 1), { multifdAccounting: 'sent', zeroPageDetection: 'multifd' });
    assert.deepEqual(multifdBehaviourOf(6, 2), { multifdAccounting: 'raw', zeroPageDetection: 'legacy' });
  });
});

/** A scenario file whose qemu base (policy[0], line 4) has the given extra settings. */
const withQemu = (settings: string) =>
  ['vm: { ram: 1GiB }', 'workload: { kind: uniform, dirtyRate: 10MiB/s }', 'link: { bandwidth: 10Gbit/s }', `policy: [{ kind: qemu, multifdChannels: 2, ${settings} }]`].join('\n');

describe('bad input and warnings', () => {
  test('an accounting or a zero-page detection QEMU does not have: exit 2 with the nearest name', () => {
    assert.match(problems(withQemu('multifdAccounting: raww')), /s\.yaml:4:\d+: policy\[0\]\.multifdAccounting: expected one of sent \| raw, found 'raww'; did you mean 'raw'\?/);
    assert.match(
      problems(withQemu('zeroPageDetection: legasy')),
      /s\.yaml:4:\d+: policy\[0\]\.zeroPageDetection: expected one of multifd \| legacy, found 'legasy'; did you mean 'legacy'\?/,
    );
  });

  test('either without multifd is a warning; raw with zero pages in the channels is one too; 7.2 as it is is quiet', () => {
    const warnings = (policy: Record<string, unknown>) =>
      scenarioWarnings(idle([{ kind: 'qemu', ...policy }], { ram: GiB, zeroShare: 0, compressibility: 1 })).map((w) => `${w.path.join('.')}: ${w.message}`);
    assert.deepEqual(warnings({ multifdAccounting: 'raw', zeroPageDetection: 'legacy' }), [
      'policy.0.multifdAccounting: has no effect without multifd; set policy[0].multifdChannels',
      'policy.0.zeroPageDetection: has no effect without multifd; set policy[0].multifdChannels',
    ]);
    assert.match(warnings({ multifdChannels: 2, multifdAccounting: 'raw' }).join('\n'), /^policy\.0\.multifdAccounting: raw accounting .* no QEMU does both/);
    assert.deepEqual(warnings({ multifdChannels: 2, multifdAccounting: 'raw', zeroPageDetection: 'legacy' }), []);
    assert.deepEqual(warnings({ multifdChannels: 2 }), []);
  });
});
