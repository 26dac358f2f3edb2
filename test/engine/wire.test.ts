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
