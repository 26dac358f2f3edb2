import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/engine/index.js';
import type { Scenario } from '../../src/engine/types.js';
import { maxMinShares } from '../../src/fleet/share.js';
import { simulateFleet } from '../../src/fleet/simulate-fleet.js';
import { validateFleet } from '../../src/fleet/validate.js';
import { readDocument } from '../../src/scenario/document.js';
import { buildScenario, decodeScenario, withValue } from '../../src/sweep/grid.js';
import { loadSweep } from '../../src/sweep/session.js';
import { assertClose, basic, GiB } from '../engine/scenario-builder.js';
import { fleet, idle } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('max-min fair shares', () => {
  test('two flows on one link share it; a capped flow leaves the rest to the other; a second bottleneck is respected', () => {
    assert.deepEqual(
      maxMinShares(
        [10],
        [
          { links: [0], cap: Infinity },
          { links: [0], cap: Infinity },
        ],
      ),
      [5, 5],
    );
    assert.deepEqual(
      maxMinShares(
        [10],
        [
          { links: [0], cap: 2 },
          { links: [0], cap: Infinity },
        ],
      ),
      [2, 8],
    );
    // flow 0 crosses links 0 (10) and 1 (4); flow 1 only link 0: flow 0 gets 4 at link 1, flow 1 the other 6
    assert.deepEqual(
      maxMinShares(
        [10, 4],
        [
          { links: [0, 1], cap: Infinity },
          { links: [0], cap: Infinity },
        ],
      ),
      [4, 6],
    );
  });
});

describe('fleets: migrations sharing NICs', () => {
  test('a fleet of one is exactly the single run, on every shipped sweep of single VMs (every scenario, or 300 evenly spaced)', () => {
    const shipped = readdirSync(join(ROOT, 'sweeps')).filter((f) => f.endsWith('.yaml') && f !== 'drain.yaml');
    assert.ok(shipped.length >= 9, shipped.join(', '));
    for (const file of shipped) {
      const { grid } = loadSweep(join(ROOT, 'sweeps', file));
      const digits: number[] = [];
      const step = Math.max(1, Math.floor(grid.scenarios / 300));
      for (let g = 0; g < grid.scenarios; g += step) {
        const { variant } = decodeScenario(grid, g, digits);
        const s = withValue(buildScenario(grid.variants[variant]!, digits), ['seed'], 7) as Scenario;
        const r = simulateFleet(fleet(s.link.bandwidth, [{ name: 'x', scenario: s }], 'none', s.horizon));
        assert.deepEqual(r.runs[0]!.result, simulate(s), `${file} scenario ${g}`);
      }
    }
  });

  test('four identical VMs started together finish together, each with a quarter of the NIC: the single run at a quarter of the bandwidth', () => {
    const s = basic({ ram: 4 * GiB, workload: { kind: 'linear', dirtyRate: '20MiB/s', workingSet: '1GiB' }, bandwidth: 1, policy: [{ kind: 'precopy' }] });
    const r = simulateFleet(
      fleet(
        1e9,
        [1, 2, 3, 4].map((i) => ({ name: `v${i}`, scenario: s })),
      ),
    );
    const alone = simulate({ ...s, link: { ...s.link, bandwidth: 0.25e9 } });
    for (const run of r.runs) assert.deepEqual(run.result, alone);
    assert.ok(r.converged);
  });

  test('a staggered start, worked by hand: two idle 4 GiB guests on 250 MB/s, the second asked for at 10 s', () => {
    const R = 4 * GiB;
    const c = 0.25e9;
    const r = simulateFleet(
      fleet(c, [
        { name: 'first', scenario: idle(R) },
        { name: 'second', scenario: idle(R), start: 10 },
      ]),
    );
    // first: alone for 10 s (2.5 GB), then half the NIC for the rest
    const firstEnd = 10 + (R - 10 * c) / (c / 2);
    // second: half the NIC from 10 s to firstEnd, then all of it
    const secondEnd = firstEnd + (R - (firstEnd - 10) * (c / 2)) / c;
    assertClose(r.runs[0]!.result!.totalTimeMs, firstEnd * 1000, 1e-9, 'first');
    assertClose(r.runs[1]!.startS + r.runs[1]!.result!.totalTimeMs / 1000, secondEnd, 1e-9, 'second');
    assertClose(r.makespanS, secondEnd, 1e-9, 'makespan');
  });

  test("Nova's one migration per source host: three idle guests go one after the other, each alone at the NIC's rate", () => {
    const R = 2 * GiB;
    const r = simulateFleet(
      fleet(
        1e9,
        ['x', 'y', 'z'].map((name) => ({ name, scenario: idle(R) })),
        'nova',
      ),
    );
    const each = R / 1e9;
    assert.deepEqual(
      r.runs.map((v) => +v.startS.toFixed(9)),
      [0, +each.toFixed(9), +(2 * each).toFixed(9)],
    );
    assertClose(r.makespanS, 3 * each, 1e-9, 'makespan');
  });

  test('lower bounds hold on the drain example: the makespan is at least the bytes through the busiest NIC over its capacity, and no share exceeds its cap or the NIC', () => {
    const file = join(ROOT, 'sweeps', 'examples', 'drain.yaml');
    const doc = readDocument(file);
    const f = validateFleet(doc.data, file, doc);
    const r = simulateFleet(f);
    assert.ok(r.converged);
    const nic = f.hosts[0]!.nicBytesPerSec;
    const wire = r.runs.reduce((n, v) => n + v.result!.wireBytes, 0);
    assert.ok(r.makespanS >= wire / nic, `${r.makespanS} s >= ${wire / nic} s`);
    for (const v of r.runs) for (const x of v.rates) assert.ok(x.bytesPerSec <= nic * (1 + 1e-12));
    // KubeVirt: never more than 2 out of the source at once
    for (const v of r.runs) {
      const overlapping = r.runs.filter((o) => o.startS <= v.startS && v.startS < o.startS + o.result!.totalTimeMs / 1000);
      assert.ok(overlapping.length <= 2, `${v.vm.name}: ${overlapping.length} running`);
    }
  });

  test('a QEMU rate limit caps a share and the rest goes to the others (the capped one is given the path left free, for its unthrottled stop-and-copy)', () => {
    const capped = idle(GiB, [{ kind: 'qemu', maxBandwidth: '100MB/s' }]);
    const free = idle(4 * GiB, [{ kind: 'qemu', maxBandwidth: 0 }]);
    const r = simulateFleet(
      fleet(1e9, [
        { name: 'capped', scenario: capped },
        { name: 'free', scenario: free },
      ]),
    );
    assert.equal(r.runs[1]!.rates[0]!.bytesPerSec, 900e6, 'the other gets what the cap leaves');
    assert.equal(r.runs[0]!.rates[0]!.bytesPerSec, 100e6, "the capped one's path has 100 MB/s free");
    // it sends 1 GiB at its 100 MB/s limit
    assertClose(r.runs[0]!.result!.totalTimeMs, (GiB / 100e6) * 1000, 0.02, 'capped transfer time');
  });
});

describe('rates never add up to more than a link', () => {
  test('two migrations held by their own 100 MB/s limit on a 1 GB/s NIC split the free 800 MB/s: 500 MB/s each for their stop-and-copy, 1 GB/s together', () => {
    const capped = () => idle(GiB, [{ kind: 'qemu', maxBandwidth: '100MB/s' }]);
    const r = simulateFleet(
      fleet(1e9, [
        { name: 'p', scenario: capped() },
        { name: 'q', scenario: capped() },
      ]),
    );
    assert.deepEqual(
      r.runs.map((v) => v.rates[0]!.bytesPerSec),
      [500e6, 500e6],
    );
  });

  test("oVirt's split holds a migration at the NIC / 2 even when it runs alone: three idle 1 GiB guests on 1 GB/s take 2 x 1 GiB / 500 MB/s", () => {
    const R = GiB;
    const r = simulateFleet(
      fleet(
        1e9,
        ['x', 'y', 'z'].map((name) => ({ name, scenario: idle(R) })),
        'ovirt',
      ),
    );
    for (const v of r.runs)
      assert.deepEqual(
        v.rates.map((x) => x.bytesPerSec),
        [500e6],
        v.vm.name,
      );
    // x and y together at 500 MB/s each, then z alone, still at 500 MB/s
    assertClose(r.runs[2]!.startS, R / 500e6, 1e-9, 'z starts when x and y end');
    assertClose(r.makespanS, (2 * R) / 500e6, 1e-9, 'makespan');
  });
});

describe('fleet files: bad input', () => {
  const bad = (text: string) => {
    const doc = { file: 'f.yaml', data: JSON.parse(text), locate: () => undefined };
    return () => validateFleet(doc.data, 'f.yaml', doc);
  };
  const vm = (from: string) => `{"name":"v","from":"${from}","to":"dst","vm":{"ram":"1GiB"},"workload":{"kind":"uniform","dirtyRate":"1MiB/s"},"policy":{"kind":"precopy"}}`;
  test('a VM from a host that does not exist names the nearest host', () => {
    assert.throws(
      bad(`{"hosts":{"src":{"nic":"10Gbit/s"},"dst":{"nic":"10Gbit/s"}},"vms":[${vm('scr')}]}`),
      /vms\[0\]\.from: expected one of the hosts \(src, dst\), found 'scr'; did you mean 'src'\?/,
    );
  });
  test('a host without a NIC capacity, and a misspelt order', () => {
    assert.throws(bad(`{"hosts":{"src":{},"dst":{"nic":"10Gbit/s"}},"vms":[${vm('src')}]}`), /hosts\.src: expected \{ nic: <rate> \}/);
    assert.throws(
      bad(`{"hosts":{"src":{"nic":"1Gbit/s"},"dst":{"nic":"10Gbit/s"}},"vms":[${vm('src')}],"orchestrator":{"preset":"kubevirt","order":"smalest-ram"}}`),
      /orchestrator\.order: .*did you mean 'smallest-ram'\?/,
    );
  });
  test("a VM's own scenario problems are placed under its item", () => {
    assert.throws(
      bad(
        `{"hosts":{"src":{"nic":"1Gbit/s"},"dst":{"nic":"10Gbit/s"}},"vms":[{"name":"v","from":"src","to":"dst","vm":{"ram":"1GiB"},"workload":{"kind":"uniform","dirtyRate":"-1MiB/s"},"policy":{"kind":"precopy"}}]}`,
      ),
      /vms\[0\]\.workload\.dirtyRate/,
    );
  });
});
