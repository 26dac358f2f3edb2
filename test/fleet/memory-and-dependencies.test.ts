import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateFleet, type Fleet } from '../../src/fleet/simulate-fleet.js';
import { validateFleet } from '../../src/fleet/validate.js';
import { assertClose, GiB } from '../engine/scenario-builder.js';
import { fleet, idle } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

const withMemory = (f: Fleet, memory: Record<string, number>): Fleet => ({ ...f, hosts: f.hosts.map((h) => ({ ...h, memoryBytes: memory[h.name] ?? null })) });

describe('host memory: a migration starts only when its destination has room', () => {
  test('by hand: b (9 GiB) holds z (2 GiB) and takes x (4 GiB); y (4 GiB) waits until z has left b, then shares a with x', () => {
    const c = 250e6;
    const T = (4 * GiB) / c; // a 4 GiB guest alone on the NIC
    const vms = [
      { name: 'z', scenario: idle(2 * GiB), from: 'b', to: 'c' },
      { name: 'x', scenario: idle(4 * GiB) },
      { name: 'y', scenario: idle(4 * GiB) },
    ];
    const r = simulateFleet(withMemory(fleet(c, vms), { b: 9 * GiB }));
    assert.ok(r.converged);
    const [z, x, y] = r.runs;
    // z (b -> c) and x (a -> b) cross different links: each alone. b holds 2 + 4 reserved; y's 4 more would be 10 > 9
    assert.equal(z!.startS, 0);
    assertClose(z!.result!.totalTimeMs / 1000, T / 2, 1e-12, 'z');
    assert.equal(x!.startS, 0);
    // z completes at T/2: b frees its 2 GiB, y fits (4 + 4 <= 9) and shares a's NIC with x
    assertClose(y!.startS, T / 2, 1e-12, 'y starts when z has left b');
    // x: 2 GiB alone by T/2, the other 2 GiB at c/2: ends at 1.5 T; y: 2 GiB at c/2, then 2 GiB alone: ends at 2 T
    assertClose(x!.result!.totalTimeMs / 1000, 1.5 * T, 1e-9, 'x');
    assertClose(y!.startS + y!.result!.totalTimeMs / 1000, 2 * T, 1e-9, 'y');
    // without the memory limit both start at 0 and end together at 2 T
    const free = simulateFleet(fleet(c, vms));
    assert.equal(free.runs[2]!.startS, 0);
    assertClose(free.runs[1]!.result!.totalTimeMs / 1000, 2 * T, 1e-9, 'x without a limit');
  });

  test('an aborted attempt gives its reservation back: the destination takes the next VM', () => {
    const c = 250e6;
    const aborting = idle(4 * GiB, [{ kind: 'precopy' }, { kind: 'abort-after', timeout: 5 }]);
    const r = simulateFleet(
      withMemory(
        fleet(c, [
          { name: 'x', scenario: aborting },
          { name: 'y', scenario: idle(4 * GiB) },
        ]),
        { b: 5 * GiB },
      ),
    );
    assert.equal(r.runs[0]!.result!.outcome, 'aborted');
    assert.equal(r.runs[1]!.startS, 5, 'y waits for x to give up b');
    assertClose(r.runs[1]!.result!.totalTimeMs / 1000, (4 * GiB) / c, 1e-12, 'y alone');
  });
});

describe('dependencies: `after` names VMs whose migrations must end first', () => {
  test('by hand: y after x, z after x and y; each asked for when the last it waits for ends, so they run one by one', () => {
    const c = 1e9;
    const R = 2 * GiB;
    const r = simulateFleet(
      fleet(c, [
        { name: 'z', scenario: idle(R), after: ['x', 'y'] },
        { name: 'y', scenario: idle(R), after: ['x'], start: 1 },
        { name: 'x', scenario: idle(R) },
      ]),
    );
    const t = R / c;
    const [z, y, x] = r.runs;
    assert.equal(x!.startS, 0);
    assertClose(y!.requestedS, t, 1e-12, 'y asked for when x ends');
    assertClose(y!.startS, t, 1e-12, 'y');
    assertClose(z!.startS, 2 * t, 1e-12, 'z');
    assertClose(r.makespanS, 3 * t, 1e-12, 'makespan');
    assert.equal(y!.attempts[0]!.rates[0]!.bytesPerSec, c, 'each alone on the NIC');
  });

  test('the name of an item with count stands for all its copies: db waits for web-1, web-2 and web-3', () => {
    const f = validateFleet(
      {
        hosts: { src: { nic: '8Gbit/s' }, dst: { nic: '8Gbit/s' } },
        defaults: {
          vm: { ram: '1GiB', zeroShare: 0 },
          workload: { kind: 'uniform', dirtyRate: 0 },
          policy: [{ kind: 'precopy' }],
          link: { latency: 0, jitter: 0 },
          fidelity: 'fluid',
        },
        vms: [
          { name: 'db', from: 'src', to: 'dst', after: ['web'] },
          { name: 'web', count: 3, from: 'src', to: 'dst' },
        ],
      },
      'f.yaml',
    );
    assert.deepEqual(f.vms[0]!.after, ['web-1', 'web-2', 'web-3']);
    const r = simulateFleet(f);
    // the three web copies share 1 GB/s: 3 GiB in 3 GiB / 1 GB/s; then db alone: 1 GiB more
    assertClose(r.runs[0]!.startS, (3 * GiB) / 1e9, 1e-12, 'db starts when the last web copy ends');
    assertClose(r.makespanS, (4 * GiB) / 1e9, 1e-12, 'makespan');
  });

  test('a VM whose dependency never ends before the horizon is never asked for', () => {
    const r = simulateFleet({
      ...fleet(1e9, [
        { name: 'x', scenario: idle(8 * GiB) },
        { name: 'y', scenario: idle(GiB), after: ['x'] },
      ]),
      horizonS: 2,
    });
    assert.equal(r.runs[0]!.result!.outcome, 'unfinished');
    assert.equal(r.runs[1]!.result, null);
    assert.ok(Number.isNaN(r.runs[1]!.requestedS));
  });
});

describe('bad input: memory and dependencies', () => {
  const vm = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    from: 'src',
    to: 'dst',
    vm: { ram: '8GiB' },
    workload: { kind: 'uniform', dirtyRate: '1MiB/s' },
    policy: { kind: 'precopy' },
    ...extra,
  });
  const hosts = { src: { nic: '10Gbit/s' }, dst: { nic: '10Gbit/s' } };
  test('a generated fleet whose RAM exceeds what its host holds names the host, the need and the capacity', () => {
    assert.throws(
      () => validateFleet({ hosts: { src: { nic: '10Gbit/s', memory: '20GiB' }, dst: hosts.dst }, vms: [vm('web', { count: 3 })] }, 'f.yaml'),
      /f\.yaml: hosts\.src\.memory: expected at least the RAM of the VMs that start on src: they need 24 GiB \(3 VMs\), it holds 20 GiB/,
    );
    assert.throws(
      () => validateFleet({ hosts: { src: hosts.src, dst: { nic: '10Gbit/s', memory: '4GiB' } }, vms: [vm('db')] }, 'f.yaml'),
      /vms\[0\]\.vm\.ram: expected a VM that fits its destination dst \(memory 4 GiB\), found db with 8 GiB/,
    );
    assert.throws(() => validateFleet({ hosts: { src: { nic: '10Gbit/s', memroy: '4GiB' }, dst: hosts.dst }, vms: [vm('db')] }, 'f.yaml'), /did you mean 'memory'\?/);
  });
  test('a cycle names its VMs in order; an unknown name names the nearest', () => {
    assert.throws(
      () => validateFleet({ hosts, vms: [vm('a', { after: ['c'] }), vm('b', { after: ['a'] }), vm('c', { after: 'b' })] }, 'f.yaml'),
      /vms\[0\]\.after: expected dependencies without a cycle, found a -> c -> b -> a/,
    );
    assert.throws(
      () => validateFleet({ hosts, vms: [vm('db'), vm('web', { after: ['bd'] })] }, 'f.yaml'),
      /vms\[1\]\.after\[0\]: expected the name of a VM of this fleet, found 'bd'; did you mean 'db'\?/,
    );
    assert.throws(() => validateFleet({ hosts, vms: [vm('db', { after: ['db'] })] }, 'f.yaml'), /found db -> db/);
  });
});

describe('migsweep run on a bad fleet file exits 2 naming the file, the line, the path and what was expected, and prints no figures', () => {
  const runOn = (lines: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-bad-'));
    const file = join(dir, 'drain.yaml');
    writeFileSync(file, [...lines, ''].join('\n'));
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), 'run', file], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    return r.stderr;
  };
  const defaults = 'defaults: { vm: { ram: 1GiB }, workload: { kind: uniform, dirtyRate: 1MiB/s }, policy: { kind: precopy } }';
  test('a cycle: the line of its first VM and the cycle', () => {
    const err = runOn([
      'hosts: { src: { nic: 10Gbit/s }, dst: { nic: 10Gbit/s } }',
      defaults,
      'vms:',
      '  - { name: db, from: src, to: dst, after: [web] }',
      '  - { name: web, from: src, to: dst, after: [db] }',
    ]);
    assert.match(err, /drain\.yaml:4:\d+: vms\[0\]\.after: expected dependencies without a cycle, found db -> web -> db/);
  });
  test("a generated fleet over its host's memory: the line of the memory", () => {
    const err = runOn(['hosts:', '  src: { nic: 10Gbit/s, memory: 2GiB }', '  dst: { nic: 10Gbit/s }', defaults, 'vms:', '  - { name: web, count: 3, from: src, to: dst }']);
    assert.match(err, /drain\.yaml:2:\d+: hosts\.src\.memory: expected at least the RAM of the VMs that start on src: they need 3 GiB \(3 VMs\), it holds 2 GiB/);
  });
});
