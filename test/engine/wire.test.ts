/**
 * The wire of the qemu base (docs/wire.md): multifd packets, the channels'
 * CPU limit, compression, and what the controllers turn on. Every expected
 * figure is worked out here from QEMU's layouts, not read off the engine.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/engine/index.js';
import { flatRecord } from '../../src/scenario/flatten.js';
import { assertClose, basic, GiB, MiB } from './scenario-builder.js';
import { problems } from '../scenario/problems.js';
import { migsweep, tempDir } from '../sweep/helpers.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { xbzrleCachePages, xbzrleSteadyHitRate } from '../../src/engine/wire/xbzrle.js';
import { proxmoxXbzrleCacheBytes } from '../../src/engine/policies/proxmox.js';
import type { Scenario } from '../../src/engine/types.js';
import { multifdHeaderPerPageBytes, multifdPacketHeaderBytes, multifdPagesPerPacket } from '../../src/engine/wire/multifd.js';

const PAGE = 4096;

/** An idle guest (nothing written): the migration sends RAM exactly once. */
function idle(policy: Record<string, unknown>[], opts: { ram?: number; zeroShare?: number; bandwidth?: number; compressibility?: number } = {}) {
  return basic({
    ram: opts.ram ?? GiB,
    zeroShare: opts.zeroShare ?? 0.25,
    workload: { kind: 'uniform', dirtyRate: 0, ...(opts.compressibility !== undefined ? { compressibility: opts.compressibility } : {}) },
    bandwidth: opts.bandwidth ?? 1.25e9,
    policy,
  });
}

/** The memory's page counters after a run: normal and zero pages sent, XBZRLE hits. */
function simulateWithMemory(s: Scenario): { normal: number; zero: number; hits: number } {
  let counters = { normal: NaN, zero: NaN, hits: NaN };
  simulate(s, { afterRun: (mem) => (counters = { normal: mem.sentNormalPages, zero: mem.sentZeroPages, hits: mem.xbzrleHits }) });
  return counters;
}

const SCENARIO = (policy: string) => `vm: { ram: 1GiB }
workload: { kind: uniform, dirtyRate: 10MiB/s }
link: { bandwidth: 10Gbit/s }
policy:
${policy}
`;

describe('multifd packets (migration/multifd.h MultiFDPacket_t)', () => {
  test('a packet of 128 pages of 4 KiB carries a 320-byte header and 128 offsets: 1344 bytes, 10.5 per page', () => {
    // magic, version, flags, pages_alloc, normal_pages, next_packet_size: 6 x 4; packet_num 8;
    // zero_pages + unused32[1]: 8; unused64[3]: 24; ramblock[256]
    assert.equal(multifdPagesPerPacket(PAGE), (512 * 1024) / 4096);
    assert.equal(multifdPacketHeaderBytes(PAGE), 6 * 4 + 8 + 8 + 24 + 256 + 128 * 8);
    assert.equal(multifdPacketHeaderBytes(PAGE), 1344);
    assert.equal(multifdHeaderPerPageBytes(PAGE), 10.5);
    // 64 KiB pages: 8 per packet, 320 + 64 = 384 bytes, 48 per page
    assert.equal(multifdHeaderPerPageBytes(64 * 1024), 48);
  });

  test('an idle 1 GiB guest with a quarter of zero pages sends 4106.5 bytes per normal page and 10.5 per zero page', () => {
    const normal = (0.75 * GiB) / PAGE; // 196,608
    const zero = (0.25 * GiB) / PAGE; // 65,536
    const single = simulate(idle([{ kind: 'qemu', maxBandwidth: 0 }]));
    assertClose(single.transferredBytes, normal * 4104 + zero * 9, 1e-12, 'single stream');
    assert.equal(single.multifdBytes, 0);
    assertClose(single.zeroPages, zero, 1e-12, 'duplicate, single stream');
    const r = simulate(idle([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 2 }]));
    assertClose(r.transferredBytes, normal * 4106.5 + zero * 10.5, 1e-12, 'transferred');
    assertClose(r.transferredBytes, 808_058_880, 1e-12, 'transferred, by hand');
    assertClose(r.multifdBytes, r.transferredBytes, 1e-15, 'multifd-bytes: every page went through the channels');
    assertClose(r.zeroPages, zero, 1e-12, 'duplicate');
    assert.ok(Number.isNaN(r.compressedRatio));
    assert.equal(r.compressionCpuSeconds, 0);
  });

  test('the channel count does not change the bytes of an idle guest when the link is the limit', () => {
    const two = simulate(idle([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 2 }]));
    const eight = simulate(idle([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 8 }]));
    assert.equal(eight.transferredBytes, two.transferredBytes);
    assert.equal(eight.totalTimeMs, two.totalTimeMs);
  });
});

describe('the channels CPU limit (multifdChannelRate)', () => {
  test('2 channels of 100 MB/s move 1 GiB of pages in 2^30 / 2e8 s on a 10 Gbit/s link, downtime included', () => {
    const r = simulate(idle([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 2, multifdChannelRate: 1e8 }], { zeroShare: 0 }));
    // the last bitmap sync (9 us per GiB) runs with the guest stopped
    assertClose(r.totalTimeMs, (GiB / 2e8 + 9e-6) * 1000, 1e-9, 'total time');
    assert.equal(r.outcome, 'completed');
  });

  test('channels x rate above the link: the link decides, as without multifd', () => {
    const r = simulate(idle([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 4, multifdChannelRate: 1e9 }], { zeroShare: 0 }));
    // 262,144 pages of 4106.5 bytes at 1.25e9 bytes/s
    assertClose(r.totalTimeMs, ((262_144 * 4106.5) / 1.25e9 + 9e-6) * 1000, 1e-9, 'total time');
  });

  test('max-bandwidth still caps the channels together', () => {
    // 128 MiB/s: the window budget; 4 channels of 1 GB/s and a 10 Gbit/s link do not matter
    const r = simulate(idle([{ kind: 'qemu', multifdChannels: 4, multifdChannelRate: 1e9 }], { zeroShare: 0 }));
    const wire = 262_144 * 4106.5;
    // whole 100 ms windows of 12.8 MiB; the final copy (below threshold = 128 MiB/s x 300 ms) goes at link speed
    assert.ok(r.totalTimeMs > ((wire - 0.3 * 128 * MiB) / (128 * MiB)) * 1000 && r.totalTimeMs < (wire / (128 * MiB)) * 1000 + 100, `${r.totalTimeMs} ms`);
  });
});

describe('compression on multifd (zlib, zstd at level 1)', () => {
  test('zstd with compressibility 0.5 halves the payload; the CPU work is the raw bytes over the measured zstd rate', () => {
    const r = simulate(idle([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 2, multifdCompression: 'zstd' }], { compressibility: 0.5 }));
    const normal = (0.75 * GiB) / PAGE;
    const zero = (0.25 * GiB) / PAGE;
    assertClose(r.transferredBytes, normal * (2048 + 10.5) + zero * 10.5, 1e-12, 'transferred');
    assert.equal(r.compressedRatio, 0.5);
    // 463 MB/s of CPU per channel (docs/wire.md#compression)
    assertClose(r.compressionCpuSeconds, (normal * PAGE) / 463e6, 1e-12, 'compression CPU');
  });

  test('zlib on 2 channels at 96 MB/s each is slower than a 10 Gbit/s link: 2^30 x 0.75 / 1.92e8 s', () => {
    const r = simulate(idle([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 2, multifdCompression: 'zlib' }], { compressibility: 0.5 }));
    // zero pages cost no CPU: only the 0.75 GiB of normal pages count
    assertClose(r.totalTimeMs, ((0.75 * GiB) / 1.92e8 + 9e-6) * 1000, 1e-9, 'total time');
  });

  test('compression without multifd changes nothing (QEMU keeps the parameter for when multifd is on)', () => {
    const plain = simulate(idle([{ kind: 'qemu', maxBandwidth: 0 }]));
    const r = simulate(idle([{ kind: 'qemu', maxBandwidth: 0, multifdCompression: 'zstd' }]));
    assert.equal(r.transferredBytes, plain.transferredBytes);
    assert.equal(r.totalTimeMs, plain.totalTimeMs);
  });
});

describe('controllers turn the wire on through the qemu base', () => {
  const guest = (policy: Record<string, unknown>[]) => basic({ ram: 4 * GiB, workload: { kind: 'uniform', dirtyRate: 200 * MiB, workingSet: GiB }, bandwidth: 1.25e9, policy });
  test('kubevirt multifdChannels: 8 runs the base with 8 channels; 0 leaves a single stream', () => {
    const viaKubevirt = simulate(
      guest([
        { kind: 'qemu', maxBandwidth: 0, multifdChannelRate: 5e7 },
        { kind: 'kubevirt', multifdChannels: 8 },
      ]),
    );
    const viaBase = simulate(guest([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 8, multifdChannelRate: 5e7 }, { kind: 'kubevirt' }]));
    const single = simulate(guest([{ kind: 'qemu', maxBandwidth: 0, multifdChannelRate: 5e7 }, { kind: 'kubevirt' }]));
    assert.deepEqual(viaKubevirt, viaBase);
    assert.equal(single.multifdBytes, 0);
    assert.ok(viaKubevirt.multifdBytes > 0);
  });
  test('ovirt multifdChannels sets the base the same way', () => {
    const viaOvirt = simulate(
      guest([
        { kind: 'qemu', maxBandwidth: 0 },
        { kind: 'ovirt', multifdChannels: 2 },
      ]),
    );
    const viaBase = simulate(guest([{ kind: 'qemu', maxBandwidth: 0, multifdChannels: 2 }, { kind: 'ovirt' }]));
    assert.deepEqual(viaOvirt, viaBase);
  });
});

describe('outputs: the wire figures and parameters only where the wire is on', () => {
  test('run --json of a single-stream qemu run has neither the figures nor the wire parameters', () => {
    const s = idle([{ kind: 'qemu' }]);
    const flat = flatRecord(simulate(s), s);
    for (const k of ['multifdBytes', 'zeroPages', 'compressedRatio', 'qemu_multifdChannels', 'qemu_multifdCompression', 'compressibility']) assert.ok(!(k in flat), k);
  });
  test('with multifd on, the figures follow the metrics and the parameters that were set appear', () => {
    const s = idle([{ kind: 'qemu', multifdChannels: 4, multifdCompression: 'zstd' }]);
    const flat = flatRecord(simulate(s), s);
    const keys = Object.keys(flat);
    assert.deepEqual(keys.slice(keys.indexOf('postcopyBlockedMs') + 1, keys.indexOf('postcopyBlockedMs') + 7), [
      'multifdBytes',
      'zeroPages',
      'xbzrleHitRate',
      'xbzrleOverflows',
      'compressedRatio',
      'compressionCpuSeconds',
    ]);
    assert.equal(flat.qemu_multifdChannels, 4);
    assert.equal(flat.qemu_multifdCompression, 'zstd');
    assert.equal(flat.compressibility, 0.56);
    assert.equal(flat.xbzrleHitRate, null);
  });
});

describe('bad wire settings (exit 2 with the place and the fix)', () => {
  test('a compression QEMU does not have: the nearest name', () => {
    const msg = problems(SCENARIO('  - { kind: qemu, multifdChannels: 2, multifdCompression: zstdd }'));
    assert.match(msg, /s\.yaml:5:\d+: policy\[0\]\.multifdCompression: expected one of none \| zlib \| zstd, found 'zstdd'; did you mean 'zstd'\?/);
  });
  test('more channels than QEMU accepts (a uint8, 1-255)', () => {
    assert.match(problems(SCENARIO('  - { kind: qemu, multifdChannels: 256 }')), /policy\[0\]\.multifdChannels: expected a whole number <= 255, found 256/);
    assert.match(problems(SCENARIO('  - { kind: qemu }\n  - { kind: kubevirt, multifdChannels: 300 }')), /policy\[1\]\.multifdChannels: expected a whole number <= 255, found 300/);
  });
});

describe('XBZRLE (migration/ram.c save_xbzrle_page, page_cache.c)', () => {
  const KiB4 = 4096;
  /** A guest that never converges on 1 Gbit/s: 48 MiB of its 64 MiB rewritten at 1 GiB/s. */
  const busy = (cache: string, fidelity: 'fluid' | 'page', extra: Record<string, unknown> = {}) =>
    basic({
      ram: 256 * MiB,
      workload: { kind: 'uniform', dirtyRate: GiB, workingSet: 64 * MiB, deltaBytes: 512, ...extra },
      bandwidth: 125e6,
      policy: [{ kind: 'qemu', maxBandwidth: 0, xbzrleCacheSize: cache }],
      horizon: 30,
      fidelity,
    });

  test('the cache is a power of two of pages, and its steady hit rate is the share of pages owning their slot', () => {
    assert.equal(xbzrleCachePages(64 * MiB, KiB4), 16384);
    assert.equal(xbzrleCachePages(100 * MiB, KiB4), 16384); // 25,600 pages rounded down
    // 16,384 working-set pages on 2,048 slots: 8 a slot, (1 - e^-8) / 8
    assertClose(xbzrleSteadyHitRate(16384, 2048), (1 - Math.exp(-8)) / 8, 1e-15, 'load 8');
    assertClose(xbzrleSteadyHitRate(16384, 32768), (1 - Math.exp(-0.5)) / 0.5, 1e-15, 'load 1/2');
  });

  test('XBZRLE starts after the first full pass: a guest that switches over inside it looks nothing up', () => {
    const s = idle([{ kind: 'qemu', maxBandwidth: 0, xbzrleCacheSize: 64 * MiB }]);
    const plain = simulate(idle([{ kind: 'qemu', maxBandwidth: 0 }]));
    const r = simulate(s);
    assert.ok(Number.isNaN(r.xbzrleHitRate));
    assert.equal(r.transferredBytes, plain.transferredBytes);
    assert.equal(r.totalTimeMs, plain.totalTimeMs);
  });

  for (const fidelity of ['fluid', 'page'] as const) {
    test(`${fidelity}: a hit costs the 512-byte delta + 11 bytes of header, a miss a full page of 4104 bytes`, () => {
      const r = simulate(busy('32MiB', fidelity));
      assert.equal(r.outcome, 'unfinished');
      assert.ok(r.xbzrleHitRate > 0.2, `hit rate ${r.xbzrleHitRate}`);
      // transferred = every normal page at 4104, less what each hit saved (4104 - 523)
      const m = simulateWithMemory(busy('32MiB', fidelity));
      assertClose(r.transferredBytes, m.normal * 4104 + m.zero * 9 - m.hits * (4104 - 523), 1e-9, 'transferred');
    });
  }

  test('a delta of a page or more overflows: the page goes whole, every hit counts as an overflow', () => {
    const r = simulate(busy('32MiB', 'fluid', { deltaBytes: 4096 }));
    const plain = simulate(
      basic({ ram: 256 * MiB, workload: { kind: 'uniform', dirtyRate: GiB, workingSet: 64 * MiB }, bandwidth: 125e6, policy: [{ kind: 'qemu', maxBandwidth: 0 }], horizon: 30 }),
    );
    assertClose(r.transferredBytes, plain.transferredBytes, 1e-12, 'the same bytes as without XBZRLE');
    const m = simulateWithMemory(busy('32MiB', 'fluid', { deltaBytes: 4096 }));
    assertClose(r.xbzrleOverflows, m.hits, 1e-12, 'overflows');
  });

  // The fluid hit rate against the page engine, whose cache evicts as QEMU's does (direct-mapped, CACHED_PAGE_LIFETIME 2),
  // in steady state: 16,384 working-set pages rewritten every pass for 30 s (about 2 syncs a pass; docs/wire.md#xbzrle
  // says where the two part: syncs much more frequent than a page comes back).
  for (const [cache, slots] of [
    ['8MiB', 2048],
    ['32MiB', 8192],
    ['128MiB', 32768],
  ] as const) {
    test(`a ${cache} cache (${slots} slots): fluid within 1 point of (1 - e^-L) / L, page engine within 7 points of the fluid`, () => {
      const fluid = simulate(busy(cache, 'fluid')).xbzrleHitRate;
      const page = simulate(busy(cache, 'page')).xbzrleHitRate;
      const load = 16384 / slots;
      // below the steady rate by the first look-ups, which miss
      assert.ok(fluid <= (1 - Math.exp(-load)) / load && fluid > (1 - Math.exp(-load)) / load - 0.01, `fluid ${fluid}`);
      assert.ok(Math.abs(page - fluid) < 0.07, `page ${page} vs fluid ${fluid}`);
    });
  }

  test('proxmox xbzrle: true gives the base a cache of 10 % of RAM rounded up to a power of two (256 MiB: 32 MiB)', () => {
    assert.equal(proxmoxXbzrleCacheBytes(256 * MiB), 32 * MiB);
    assert.equal(proxmoxXbzrleCacheBytes(32 * GiB), 4 * GiB);
    const s = (policy: Record<string, unknown>[]) =>
      basic({ ram: 256 * MiB, workload: { kind: 'uniform', dirtyRate: GiB, workingSet: 64 * MiB }, bandwidth: 125e6, policy, horizon: 30 });
    const viaProxmox = simulate(
      s([
        { kind: 'qemu', maxBandwidth: 0 },
        { kind: 'proxmox', xbzrle: true },
      ]),
    );
    const viaBase = simulate(s([{ kind: 'qemu', maxBandwidth: 0, xbzrleCacheSize: 32 * MiB }, { kind: 'proxmox' }]));
    assert.deepEqual(viaProxmox, viaBase);
  });

  test('bad input: XBZRLE with multifd (QEMU refuses the pair), a cache larger than RAM', () => {
    assert.match(
      problems(SCENARIO('  - { kind: qemu, multifdChannels: 2, xbzrleCacheSize: 64MiB }')),
      /policy\[0\]\.xbzrleCacheSize: XBZRLE .* with multifd .*QEMU refuses the pair \("Multifd is not compatible with xbzrle"/,
    );
    assert.match(problems(SCENARIO('  - { kind: qemu, multifdChannels: 2 }\n  - { kind: proxmox, xbzrle: true }')), /policy\[1\]\.xbzrle: XBZRLE .* with multifd/);
    assert.match(
      problems(SCENARIO('  - { kind: qemu, xbzrleCacheSize: 2GiB }')),
      /s\.yaml:\d+:\d+: policy\[0\]\.xbzrleCacheSize: the XBZRLE cache \(2048 MiB\) is larger than the guest's RAM \(1024 MiB\)/,
    );
  });
});

describe('the CLI: warnings, and runs.csv of a sweep over the wire', () => {
  test('multifd compression without multifd is a warning at its line (QEMU keeps it unused); the run goes on as a single stream', () => {
    const dir = tempDir();
    const file = join(dir, 'w.yaml');
    writeFileSync(file, 'vm: { ram: 1GiB }\nworkload: { kind: uniform, dirtyRate: 10MiB/s }\nlink: { bandwidth: 10Gbit/s }\npolicy: { kind: qemu, multifdCompression: zstd }\n');
    const r = migsweep(['run', file, '--json']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /warning: .*w\.yaml:4:\d+: policy\.multifdCompression: has no effect without multifd/);
    const json = JSON.parse(r.out) as Record<string, unknown>;
    assert.ok(!('multifdBytes' in json), 'no wire figures: the wire is off');
    const quiet = migsweep(['run', file, '--json', '--set', 'policy.multifdChannels=2']);
    assert.equal(quiet.err, '');
  });

  test('a sweep over multifdChannels [0, 4]: every row has the channel count and the figures, the single stream 0 multifd bytes', () => {
    const dir = tempDir();
    const file = join(dir, 'mf.yaml');
    writeFileSync(
      file,
      [
        'name: mf',
        'base:',
        '  vm: { ram: 256MiB, zeroShare: 0.25 }',
        '  workload: { kind: uniform, dirtyRate: 0 }',
        '  link: { bandwidth: 10Gbit/s }',
        '  policy: { kind: qemu, maxBandwidth: 0 }',
        'axes:',
        '  policy[0].multifdChannels: [0, 4]',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'run');
    const r = migsweep(['sweep', file, '--out', out, '--workers', '1', '--quiet', '--no-report']);
    assert.equal(r.code, 0, r.err);
    const [header, ...rows] = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n');
    const cols = (header ?? '').split(',');
    const at = (name: string) => cols.indexOf(name);
    for (const name of ['multifdBytes', 'zeroPages', 'xbzrleHitRate', 'qemu_multifdChannels']) assert.ok(at(name) >= 0, name);
    assert.ok(at('multifdBytes') < at('policy'), 'the figures are metrics: before the parameters');
    const cells = rows.map((row) => row.split(','));
    const byChannels = new Map(cells.map((c) => [c[at('qemu_multifdChannels')], c]));
    // 49,152 normal and 16,384 zero pages, each once
    assert.equal(Number(byChannels.get('0')?.[at('multifdBytes')]), 0);
    assertClose(Number(byChannels.get('4')?.[at('multifdBytes')]), 49152 * 4106.5 + 16384 * 10.5, 1e-12, 'multifd-bytes');
    assertClose(Number(byChannels.get('0')?.[at('zeroPages')]), 16384, 1e-12, 'duplicate');
  });
});
