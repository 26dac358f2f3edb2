import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { itemAt } from '../../src/common/lookup.js';
import { buildScenario, decodeScenario, ownScenario, seeded, shardTaskCount, taskAt, taskInfo, withValue } from '../../src/sweep/grid.js';
import { loadSweep } from '../../src/sweep/session.js';
import { checkEveryScenario } from '../../src/sweep/check.js';
import { fnv1a, sweepFile, tempDir } from './helpers.js';

const MiB = 2 ** 20;
const dir = tempDir();

const BASE = `
base:
  vm: { ram: 4GiB }
  workload: { kind: uniform, dirtyRate: 100MiB/s }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: qemu-2011 }
`;

const idOf = (variant: string, pairs: [string, unknown][]) =>
  createHash('sha1')
    .update([variant, ...pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([p, v]) => `${p}=${JSON.stringify(v)}`)].join('\n'))
    .digest('hex')
    .slice(0, 16);

describe('expanding a sweep into tasks', () => {
  const file = sweepFile(
    dir,
    'grid',
    `name: grid
seed: 42
replicates: 2
${BASE}
axes:
  workload.dirtyRate: [10MiB/s, 20MiB/s, 40MiB/s]
  link.bandwidth: [1Gbit/s, 10Gbit/s]
zip:
  - vm.ram: [1GiB, 4GiB]
    workload.workingSet: [256MiB, 1GiB]
variants:
  - name: alone
  - name: passes
    set: { policy: [{ kind: qemu-2011 }, { kind: max-passes }] }
    axes:
      policy[1].passes: [5, 10, 20, 30]
`,
  );
  const r = loadSweep(file);
  const grid = r.grid;

  test('tasks = axes x zip x sum over variants of their own axes x replicates: 3 x 2 x 2 x (1 + 4) x 2 = 120', () => {
    assert.equal(grid.variants[0]!.scenarios, 12);
    assert.equal(grid.variants[1]!.scenarios, 48);
    assert.equal(grid.scenarios, 60);
    assert.equal(grid.tasks, 120);
    checkEveryScenario(r);
  });

  test('the first axis varies slowest, replicates are consecutive, variants follow each other', () => {
    // scenario 0: 10 MiB/s, 1 Gbit/s, 1 GiB; scenario 1: the zip advances; scenario 2: the bandwidth
    const s = (g: number) => {
      const { variant, digits } = decodeScenario(grid, g);
      return buildScenario(grid.variants[variant]!, digits);
    };
    assert.deepEqual([s(0).workload.dirtyRate, s(0).link.bandwidth, s(0).vm.ram, s(0).workload.workingSet], [10 * MiB, 125e6, 2 ** 30, 256 * MiB]);
    assert.deepEqual([s(1).vm.ram, s(1).workload.workingSet], [4 * 2 ** 30, 2 ** 30]);
    assert.equal(s(2).link.bandwidth, 1.25e9);
    assert.equal(s(4).workload.dirtyRate, 20 * MiB);
    // the second variant starts at scenario 12; its own axis varies fastest
    assert.deepEqual(
      s(12).policy.map((p) => p.kind),
      ['qemu-2011', 'max-passes'],
    );
    assert.deepEqual([s(12).policy[1]!.passes, s(13).policy[1]!.passes, s(16).policy[1]!.passes], [5, 10, 5]);
    assert.equal(s(11).policy.length, 1);
    assert.deepEqual(taskAt(grid, null, 7), { scenario: 3, replicate: 1 });
  });

  test('a task id is the SHA-1 of the variant and its path=value pairs (base units, paths sorted), plus the replicate', () => {
    const t = taskInfo(grid, null, 12 * 2 + 1);
    const want = idOf('passes', [
      ['workload.dirtyRate', 10 * MiB],
      ['link.bandwidth', 125e6],
      ['vm.ram', 2 ** 30],
      ['workload.workingSet', 256 * MiB],
      ['policy[1].passes', 5],
    ]);
    assert.equal(t.scenarioId, want);
    assert.equal(t.taskId, `${want}-1`);
  });

  test("a task's seed is the FNV-1a hash of 'sweep seed:task id'", () => {
    for (const o of [0, 1, 57, 119]) {
      const t = taskInfo(grid, null, o);
      assert.equal(t.seed, fnv1a(`42:${t.taskId}`));
    }
  });

  test('ids and seeds do not depend on the order of the axes or on the other values of an axis', () => {
    const other = loadSweep(
      sweepFile(
        dir,
        'grid2',
        `name: grid
seed: 42
replicates: 2
${BASE}
axes:
  link.bandwidth: [10Gbit/s, 1Gbit/s, 100Mbit/s]
  workload.dirtyRate: [40MiB/s, 10MiB/s]
zip:
  - vm.ram: [1GiB, 4GiB]
    workload.workingSet: [256MiB, 1GiB]
variants:
  - name: alone
`,
      ),
    ).grid;
    const ids = (g: typeof grid) => new Map(Array.from({ length: g.tasks }, (_, o) => taskInfo(g, null, o)).map((t) => [t.taskId, t.seed]));
    const a = ids(grid);
    const b = ids(other);
    // 2 rates x 2 bandwidths x 2 guests x 2 replicates in common
    const common = [...b.keys()].filter((k) => a.has(k));
    assert.equal(common.length, 16);
    for (const k of common) assert.equal(a.get(k), b.get(k));
  });

  test('shards take whole scenarios round robin: disjoint, together every task once', () => {
    const all = Array.from({ length: grid.tasks }, (_, o) => taskInfo(grid, null, o).taskId);
    const seen: string[] = [];
    for (let k = 0; k < 7; k++) {
      const shard = { index: k, count: 7, from: '--shard' };
      const n = shardTaskCount(grid, shard);
      // 60 scenarios over 7 shards: 9 for shards 0-3, 8 for 4-6
      assert.equal(n, (k < 4 ? 9 : 8) * 2);
      for (let o = 0; o < n; o++) seen.push(taskInfo(grid, shard, o).taskId);
    }
    assert.equal(new Set(seen).size, grid.tasks);
    assert.deepEqual([...seen].sort(), [...all].sort());
  });

  test('withValue copies only the containers on the way', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: { e: 2 } };
    const next = withValue(base, ['a', 'c', 1], 9) as typeof base;
    assert.deepEqual(base, { a: { b: 1, c: [1, 2] }, d: { e: 2 } });
    assert.deepEqual(next.a.c, [1, 9]);
    assert.equal(next.d, base.d);
  });

  test("a task's scenario is its scenario's own copy with the task's seed: the variant's base is never changed, even without axes", () => {
    const v = itemAt(grid.variants, 0);
    const built = buildScenario(v, [0, 0, 0]);
    const baseSeed = v.base.seed;
    const own = ownScenario(built);
    assert.equal(seeded(own, 12345).seed, 12345);
    assert.equal(seeded(own, 678).seed, 678);
    assert.deepEqual({ ...own, seed: built.seed }, built);
    assert.equal(built.seed, baseSeed);
    assert.equal(v.base.seed, baseSeed);
    // a variant without axes builds the base itself: the copy keeps it apart
    const bare = buildScenario({ ...v, applyOrder: [] }, []);
    assert.equal(bare, v.base);
    seeded(ownScenario(bare), 99);
    assert.equal(v.base.seed, baseSeed);
  });
});

describe('axes that change the shape of the scenario', () => {
  test('a kind axis brings each kind with its own defaults; the header has every kind columns', () => {
    const r = loadSweep(
      sweepFile(
        dir,
        'kinds',
        `name: kinds
${BASE}
axes:
  policy.kind: [precopy, qemu-2011]
  workload: [{ kind: uniform, dirtyRate: 1MiB/s }, { kind: hotcold, dirtyRate: 1MiB/s, hotSet: 64MiB }]
  workload.dirtyRate: [10MiB/s, 20MiB/s]
`,
      ),
    );
    const scenarios = Array.from({ length: r.grid.scenarios }, (_, g) => {
      const { variant, digits } = decodeScenario(r.grid, g);
      return buildScenario(r.grid.variants[variant]!, digits);
    });
    assert.equal(scenarios.length, 8);
    // precopy has no rate limit by default, qemu-2011 its 32 MiB/s (not the other kind's value)
    assert.deepEqual([scenarios[0]!.policy[0]!.kind, scenarios[0]!.policy[0]!.maxBandwidth], ['precopy', null]);
    assert.deepEqual([scenarios[4]!.policy[0]!.kind, scenarios[4]!.policy[0]!.maxBandwidth], ['qemu-2011', 32 * MiB]);
    // scenario 3: precopy, hotcold, 20 MiB/s (the deeper axis refines the mapping the other set)
    assert.deepEqual([scenarios[3]!.workload.kind, scenarios[3]!.workload.hotSet, scenarios[3]!.workload.dirtyRate], ['hotcold', 64 * MiB, 20 * MiB]);
    for (const c of ['hotSetBytes', 'hotShare', 'qemu-2011_maxBandwidthBytesPerSec', 'precopy_downtimeLimitMs']) assert.ok(r.grid.header.includes(c), c);
  });

  test('the manifest says which column holds each axis, with the values as the column has them', () => {
    const r = loadSweep(
      sweepFile(
        dir,
        'columns',
        `name: columns
${BASE}
axes:
  workload.dirtyRate: [1MiB/s, 2MiB/s]
  link.latency: [1ms, 5ms]
  policy[0].downtimeLimit: [30ms, 300ms]
variants:
  - name: treutner
    set: { policy: [{ kind: qemu-2011 }, { kind: max-passes }] }
    axes:
      policy[1].passes: [5, 10]
`,
      ),
    );
    const byPath = Object.fromEntries(r.axes.map((a) => [a.path, a]));
    assert.equal(byPath['workload.dirtyRate']!.column, 'dirtyRateBytesPerSec');
    assert.deepEqual(byPath['workload.dirtyRate']!.values, [MiB, 2 * MiB]);
    assert.equal(byPath['link.latency']!.column, 'latencyMs');
    assert.deepEqual(byPath['link.latency']!.values, [1, 5]);
    assert.deepEqual(byPath['link.latency']!.baseValues, [0.001, 0.005]);
    assert.equal(byPath['policy[0].downtimeLimit']!.column, 'downtimeLimitMs');
    assert.equal(byPath['policy[1].passes']!.column, 'max-passes_passes');
    assert.deepEqual(byPath['policy[1].passes']!.variants, ['treutner']);
  });
});
