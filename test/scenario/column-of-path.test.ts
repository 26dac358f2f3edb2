import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { columnOfPath, scenarioColumns } from '../../src/scenario/flatten.js';
import { parsePath } from '../../src/scenario/path.js';
import { parseSweep } from '../../src/sweep/spec.js';
import { resolveSweep } from '../../src/sweep/resolve.js';
import { scenario } from '../engine/scenario-builder.js';

/** The column of runs.csv each scenario path becomes, as the flattener names it. */
const s = scenario({
  vm: { ram: '4GiB' },
  workload: { kind: 'hotcold', dirtyRate: '100MiB/s', hotSet: '256MiB', hotShare: 0.9 },
  link: { bandwidth: '1Gbit/s', latency: '0.5ms' },
  policy: [
    { kind: 'qemu-2011', downtimeLimit: '30ms' },
    { kind: 'max-passes', passes: 10 },
    { kind: 'transfer-factor', factor: 3 },
    { kind: 'max-passes', passes: 20 },
  ],
  horizon: '1h',
});
const column = (path: string) => columnOfPath(s, parsePath(path)!);

describe('the column of a scenario path', () => {
  test('vm.ram is ramBytes, workload.dirtyRate dirtyRateBytesPerSec, link.bandwidth bandwidthBytesPerSec, in base units', () => {
    assert.equal(column('vm.ram'), 'ramBytes');
    assert.equal(column('workload.dirtyRate'), 'dirtyRateBytesPerSec');
    assert.equal(column('link.bandwidth'), 'bandwidthBytesPerSec');
    const cols = scenarioColumns(s);
    assert.equal(cols.ramBytes, 4 * 1024 ** 3);
    assert.equal(cols.dirtyRateBytesPerSec, 100 * 1024 ** 2);
    assert.equal(cols.bandwidthBytesPerSec, 125e6);
  });

  test('durations become their Ms column: link.latency is latencyMs (0.5), horizon horizonMs (3 600 000)', () => {
    assert.equal(column('link.latency'), 'latencyMs');
    assert.equal(column('horizon'), 'horizonMs');
    assert.equal(scenarioColumns(s).latencyMs, 0.5);
  });

  test("policy[0].downtimeLimit is downtimeLimitMs, the base's limit under the one name charts use (30)", () => {
    assert.equal(column('policy[0].downtimeLimit'), 'downtimeLimitMs');
    assert.equal(scenarioColumns(s).downtimeLimitMs, 30);
  });

  test('a rule constant is <kind>_<param>; a kind listed twice is <kind>#2 the second time', () => {
    assert.equal(column('policy[1].passes'), 'max-passes_passes');
    assert.equal(column('policy[2].factor'), 'transfer-factor_factor');
    assert.equal(column('policy[3].passes'), 'max-passes#2_passes');
    assert.equal(scenarioColumns(s)['max-passes#2_passes'], 20);
  });

  test("a workload's own parameters carry their unit: workload.hotSet is hotSetBytes", () => {
    assert.equal(column('workload.hotSet'), 'hotSetBytes');
    assert.equal(column('workload.hotShare'), 'hotShare');
  });

  test('a whole mapping, a list or a path the scenario lacks has no column', () => {
    assert.equal(column('policy[1]'), null);
    assert.equal(column('policy'), null);
    assert.equal(column('workload.nonsense'), null);
    assert.equal(column('policy[9].passes'), null);
  });
});

describe("a sweep's axes name the flattener's column", () => {
  test('an axis over the second of two rules with the same parameter name and value gets its own column, not the first match', () => {
    // convergence-timeout and transfer-factor both have `factor`, both 2 here: matching values could not tell them apart
    const text = [
      'base:',
      '  vm: { ram: 1GiB }',
      '  workload: { kind: uniform, dirtyRate: 10MiB/s }',
      '  link: { bandwidth: 1Gbit/s }',
      '  policy: [{ kind: qemu-2011 }, { kind: convergence-timeout, factor: 2 }, { kind: transfer-factor }]',
      'axes:',
      '  policy[2].factor: [2]',
      '  link.latency: [1ms, 2ms]',
    ].join('\n');
    const axes = resolveSweep(parseSweep('axis-columns.yaml', text)).axes;
    const factor = axes.find((a) => a.path === 'policy[2].factor')!;
    assert.equal(factor.column, 'transfer-factor_factor');
    assert.deepEqual(factor.values, [2]);
    const latency = axes.find((a) => a.path === 'link.latency')!;
    assert.equal(latency.column, 'latencyMs');
    assert.deepEqual(latency.values, [1, 2]);
  });
});
