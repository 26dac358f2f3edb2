import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { runFleetSweep } from '../../src/fleet/sweep-session.js';
import { retryDelayS } from '../../src/fleet/admission.js';
import { fleetFigures, vmRecord } from '../../src/fleet/output.js';
import { orchestratorFromPreset, type Orchestrator } from '../../src/fleet/orchestrators.js';
import { simulateFleet, type Fleet } from '../../src/fleet/simulate-fleet.js';
import { vmBars } from '../../src/fleet/gantt.js';
import { validateFleet } from '../../src/fleet/validate.js';
import { assertClose, GiB } from '../engine/scenario-builder.js';
import { fleet, idle } from './helpers.js';

/** An idle 4 GiB guest whose controller cancels its migration 5 s after it starts (guestperf's max_time). */
const aborting = () => idle(4 * GiB, [{ kind: 'precopy' }, { kind: 'abort-after', timeout: 5 }]);
const withRetries = (f: Fleet, o: Partial<Orchestrator>): Fleet => ({ ...f, orchestrator: { ...f.orchestrator, ...o } });

describe('retries of aborted migrations', () => {
  test('the delays: retryDelay x retryBackoff^(k-1), capped by retryDelayMax; KubeVirt 20, 40, 80, 160, 320, 320 s', () => {
    const k = orchestratorFromPreset('kubevirt');
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((i) => retryDelayS(k, i)),
      [20, 40, 80, 160, 320, 320],
    );
    const p = orchestratorFromPreset('proxmox');
    assert.deepEqual(
      [1, 2, 3].map((i) => retryDelayS(p, i)),
      [10, 10, 10],
    );
    for (const name of ['none', 'nova', 'ovirt', 'xen-orchestra']) assert.equal(orchestratorFromPreset(name).retries, 0, name);
    for (const name of ['kubevirt', 'vsphere', 'proxmox']) assert.equal(orchestratorFromPreset(name).retries, Infinity, name);
  });

  test('a VM aborted at 5 s is retried twice, 20 s and then 40 s after each abort; the other VM keeps the NIC to itself once the first attempt ends', () => {
    const c = 250e6;
    const R = 2 * GiB;
    const f = withRetries(
      fleet(c, [
        { name: 'x', scenario: aborting() },
        { name: 'y', scenario: idle(R) },
      ]),
      { retries: 2, retryDelayS: 20, retryBackoff: 2 },
    );
    const r = simulateFleet(f);
    assert.ok(r.converged);
    const [x, y] = r.runs;
    // x: [0, 5] sharing the NIC, [25, 30] and [70, 75] alone; each attempt aborted at 5 s
    assert.deepEqual(
      x!.attempts.map((a) => [a.requestedS, a.startS, a.result.totalTimeMs, a.result.outcome]),
      [
        [0, 0, 5000, 'aborted'],
        [25, 25, 5000, 'aborted'],
        [70, 70, 5000, 'aborted'],
      ],
    );
    assert.deepEqual(
      x!.attempts.map((a) => a.rates.map((q) => q.bytesPerSec)),
      [[c / 2], [c], [c]],
    );
    // y: half the NIC for 5 s, then all of it
    const yEnd = 5 + (R - 5 * (c / 2)) / c;
    assertClose(y!.result!.totalTimeMs / 1000, yEnd, 1e-9, 'y');
    assert.equal(r.makespanS, 75);
    const figures = fleetFigures(r);
    assert.equal(figures.attempts, 4);
    assert.equal(figures.retried, 1);
    assert.equal(figures.aborted, 1, 'the last attempt counts: x gave up');
    // every attempt's bytes: x sent 5 s at c/2 and twice 5 s at c, y its 2 GiB
    assertClose(figures.transferredBytes as number, 5 * (c / 2) + 2 * 5 * c + R, 1e-12, 'bytes');
    const row = vmRecord(x!);
    assert.equal(row.attempts, 3);
    assert.equal(row.startMs, 70000);
    assert.equal(row.queuedMs, 0, 'a retry asked for at 25 s starts at 25 s: no queue');
    // the Gantt chart: each attempt aborted, the waits for the retries between them
    assert.deepEqual(
      vmBars(x!).map((b) => [b.phase, b.fromMs, b.toMs]),
      [
        ['aborted', 0, 5000],
        ['queued', 5000, 25000],
        ['aborted', 25000, 30000],
        ['queued', 30000, 70000],
        ['aborted', 70000, 75000],
      ],
    );
  });

  test("KubeVirt's unlimited retries with a backoff doubling up to 320 s stop at the horizon: attempts at 0, 25, 70, 155, 320, 645 and 970 s", () => {
    const f = { ...fleet(250e6, [{ name: 'x', scenario: aborting() }], 'kubevirt'), horizonS: 1000 };
    const r = simulateFleet(f);
    assert.deepEqual(
      r.runs[0]!.attempts.map((a) => a.startS),
      [0, 25, 70, 155, 320, 645, 970],
    );
    assert.equal(r.makespanS, 975);
  });

  test('a retry waits in the queue like any migration: under one migration per host, the retry goes after the VM already queued', () => {
    const c = 250e6;
    const R = 2 * GiB;
    const f = withRetries(
      fleet(
        c,
        [
          { name: 'x', scenario: aborting() },
          { name: 'y', scenario: idle(R) },
        ],
        'nova',
      ),
      { retries: 1, retryDelayS: 0 },
    );
    const r = simulateFleet(f);
    const [x, y] = r.runs;
    // x [0, 5] alone; y [5, 5 + R/c]; x's retry, asked for at 5 s, waits for y
    assert.equal(y!.startS, 5);
    assertClose(x!.startS, 5 + R / c, 1e-12, 'the retry starts when y ends');
    assertClose(vmRecord(x!).queuedMs as number, (R / c) * 1000, 1e-12, 'queued');
    assert.equal(x!.attempts.length, 2);
  });

  test('the fleet file: retries (a number or unlimited), retryDelay, retryBackoff, retryDelayMax; bad values exit with the place', () => {
    const base = {
      hosts: { src: { nic: '10Gbit/s' }, dst: { nic: '10Gbit/s' } },
      vms: [{ name: 'v', from: 'src', to: 'dst', vm: { ram: '1GiB' }, workload: { kind: 'uniform', dirtyRate: '1MiB/s' }, policy: { kind: 'precopy' } }],
    };
    const f = validateFleet({ ...base, orchestrator: { preset: 'nova', retries: 'unlimited', retryDelay: '30s', retryBackoff: 1.5, retryDelayMax: '2min' } }, 'f.yaml');
    assert.deepEqual([f.orchestrator.retries, f.orchestrator.retryDelayS, f.orchestrator.retryBackoff, f.orchestrator.retryDelayMaxS], [Infinity, 30, 1.5, 120]);
    assert.throws(
      () => validateFleet({ ...base, orchestrator: { retries: -1 } }, 'f.yaml'),
      /orchestrator\.retries: expected a whole number >= 0 \(0 = no retry\) or 'unlimited', found -1/,
    );
    assert.throws(() => validateFleet({ ...base, orchestrator: { retryBackoff: 0.5 } }, 'f.yaml'), /orchestrator\.retryBackoff: expected a number >= 1/);
    assert.throws(() => validateFleet({ ...base, orchestrator: { retryDelay: '-1s' } }, 'f.yaml'), /orchestrator\.retryDelay/);
    assert.throws(() => validateFleet({ ...base, orchestrator: { retrys: 2 } }, 'f.yaml'), /did you mean 'retries'\?/);
    assert.throws(
      () => validateFleet({ ...base, orchestrator: { preset: 'kubevirt', retryDelay: 0 } }, 'f.yaml'),
      /orchestrator\.retryDelay: expected a positive retryDelay with unlimited retries/,
    );
  });
});

describe('retries and memory as axes of a sweep over fleets', () => {
  test('orchestrator.retries and hosts.dst.memory are swept: runs.csv counts attempts and retried VMs, migrations.csv each VM’s attempts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-retries-'));
    const file = join(dir, 'retries.yaml');
    writeFileSync(
      file,
      [
        'name: retries',
        'base:',
        '  hosts: { src: { nic: 2Gbit/s }, dst: { nic: 2Gbit/s, memory: 16GiB } }',
        '  defaults: { vm: { ram: 4GiB, zeroShare: 0 }, workload: { kind: uniform, dirtyRate: 0 }, link: { latency: 0, jitter: 0 }, fidelity: fluid }',
        '  vms:',
        '    - { name: x, from: src, to: dst, policy: [{ kind: precopy }, { kind: abort-after, timeout: 5s }] }',
        '    - { name: y, from: src, to: dst, policy: [{ kind: precopy }] }',
        '  orchestrator: { preset: none, retryDelay: 20s }',
        'axes:',
        '  orchestrator.retries: [0, 2]',
        '  hosts.dst.memory: [16GiB, 6GiB]',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    await runFleetSweep({ file, out, workers: 1, stdout: new PassThrough(), stderr: new PassThrough() });
    const fleets = parse<Record<string, string>>(readFileSync(join(out, 'runs.csv'), 'utf8'), { columns: true });
    const migrations = parse<Record<string, string>>(readFileSync(join(out, 'migrations.csv'), 'utf8'), { columns: true });
    // the first axis slowest: (0, 16), (0, 6), (2, 16), (2, 6)
    assert.deepEqual(
      fleets.map((f) => [f['orchestrator.retries'], f['hosts.dst.memory'], f.attempts, f.retried]),
      [
        ['0', '16GiB', '2', '0'],
        ['0', '6GiB', '2', '0'],
        ['2', '16GiB', '4', '1'],
        // y completes on dst at 5 + 17.18 s and keeps 4 GiB there: x's retry at 25 s never fits 6 GiB again
        ['2', '6GiB', '2', '0'],
      ],
    );
    assert.deepEqual(
      migrations.map((m) => [m.fleet, m.name, m.attempts]),
      [
        ['0', 'x', '1'],
        ['0', 'y', '1'],
        ['1', 'x', '1'],
        ['1', 'y', '1'],
        ['2', 'x', '3'],
        ['2', 'y', '1'],
        ['3', 'x', '1'],
        ['3', 'y', '1'],
      ],
    );
    // 6 GiB holds one 4 GiB guest at a time: y waits for x to give up its reservation at 5 s
    const y = (fleet: string) => migrations.find((m) => m.fleet === fleet && m.name === 'y')!;
    assert.equal(Number(y('0').startMs), 0);
    assert.equal(Number(y('1').startMs), 5000);
    // with 16 GiB the retries run 20 s after each abort (no backoff): at 25 s and 50 s; with 6 GiB the fleet ends with y, 4 GiB over 2 Gbit/s from 5 s
    assert.equal(Number(fleets[2]!.makespanMs), 55000);
    assert.equal(Number(fleets[3]!.makespanMs), (5 + (4 * 2 ** 30) / 250e6) * 1000);
    assert.equal(fleets[3]!.aborted, '1');
  });
});
