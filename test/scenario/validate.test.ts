import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText } from '../../src/scenario/document.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { problems } from './problems.js';

const GOOD = `vm: { ram: 4GiB }
workload: { kind: uniform, dirtyRate: 100MiB/s, workingSet: 1GiB }
link: { bandwidth: 1Gbit/s }
policy:
  - { kind: qemu-2011 }
  - { kind: max-passes, passes: 10 }
`;

describe('scenario validation', () => {
  test('a good scenario gets its defaults, in base units', () => {
    const doc = parseText('s.yaml', GOOD);
    const s = validateScenario(doc.data, { file: 's.yaml', doc });
    assert.equal(s.vm.ram, 4 * 2 ** 30);
    assert.equal(s.vm.pageSize, 4096);
    assert.equal(s.vm.zeroShare, 0);
    assert.equal(s.link.bandwidth, 125e6);
    assert.equal(s.link.latency, 0);
    assert.equal(s.horizon, 3600);
    assert.equal(s.fidelity, 'fluid');
    assert.deepEqual(s.policy[0], { kind: 'qemu-2011', downtimeLimit: 0.03, maxBandwidth: 32 * 2 ** 20 });
    assert.deepEqual(s.policy[1], { kind: 'max-passes', passes: 10 });
  });

  test('a single policy mapping is a one-entry list; no policy means textbook precopy', () => {
    const one = validateScenario(parseText('s', GOOD.replace(/policy:[\s\S]*/, 'policy: { kind: qemu-2011, downtimeLimit: 300ms }\n')).data, { file: 's' });
    assert.equal(one.policy.length, 1);
    assert.equal(one.policy[0]!.downtimeLimit, 0.3);
    const none = validateScenario(parseText('s', GOOD.replace(/policy:[\s\S]*/, '')).data, { file: 's' });
    assert.equal(none.policy[0]!.kind, 'precopy');
  });

  test('an unknown key names the nearest valid one, with file, line and path', () => {
    const msg = problems(GOOD.replace('dirtyRate', 'dirtyRte'));
    assert.match(msg, /^s\.yaml:2:\d+: workload\.dirtyRte: unknown key 'dirtyRte'; did you mean 'dirtyRate'\?/m);
    assert.match(msg, /workload\.dirtyRate: missing/);
  });

  test('an unknown policy kind names the nearest one and the known kinds', () => {
    const msg = problems(GOOD.replace('max-passes', 'max-pases'));
    assert.match(msg, /^s\.yaml:6:\d+: policy\[1\]\.kind: unknown policy kind 'max-pases'; did you mean 'max-passes'\? \(known: precopy, qemu-2011/m);
  });

  test('a rule cannot lead the list and a base cannot follow', () => {
    assert.match(
      problems(GOOD.replace('{ kind: qemu-2011 }', '{ kind: max-passes }').replace('{ kind: max-passes, passes: 10 }', '{ kind: qemu-2011 }')),
      /policy\[0\]\.kind: 'max-passes' is an add-on rule; a policy list starts with a base/,
    );
  });

  test('negative or zero bandwidth, unparsable quantities, wrong units', () => {
    assert.match(problems(GOOD.replace('1Gbit/s', '-1Gbit/s')), /link\.bandwidth: expected a positive rate, found '-1Gbit\/s'/);
    assert.match(problems(GOOD.replace('1Gbit/s', '0')), /link\.bandwidth: expected a positive rate, found 0/);
    assert.match(problems(GOOD.replace('1Gbit/s', 'fast')), /link\.bandwidth: expected a rate such as 100MiB\/s.*found 'fast'/);
    assert.match(problems(GOOD.replace('100MiB/s', '100MiB')), /workload\.dirtyRate: .*'MiB' is a unit of size/);
    assert.match(problems(GOOD.replace('passes: 10', 'passes: 2.5')), /policy\[1\]\.passes: expected a whole number, found 2\.5/);
    assert.match(problems(GOOD.replace('passes: 10', 'passes: 0')), /policy\[1\]\.passes: expected a whole number >= 1, found 0/);
  });

  test('a working set larger than RAM, a hot set larger than the working set', () => {
    assert.match(problems(GOOD.replace('workingSet: 1GiB', 'workingSet: 8GiB')), /s\.yaml:2:\d+: workload\.workingSet: the working set \(8 GiB\) is larger than RAM \(4 GiB\)/);
    assert.match(problems(GOOD.replace('kind: uniform,', 'kind: hotcold, hotSet: 2GiB,')), /workload\.hotSet: the hot set \(2 GiB\) is larger than the working set \(1 GiB\)/);
    assert.match(problems(GOOD.replace('kind: uniform,', 'kind: hotcold,')), /workload\.hotSet: missing; expected a size/);
  });

  test('several problems are reported together', () => {
    const msg = problems(GOOD.replace('4GiB', '-4GiB').replace('1Gbit/s', 'x'));
    assert.equal(msg.split('\n').length, 2);
  });
});
