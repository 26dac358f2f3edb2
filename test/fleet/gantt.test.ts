import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharePoints, vmBars, fleetGanttSpec } from '../../src/fleet/gantt.js';
import { simulateFleet } from '../../src/fleet/simulate-fleet.js';
import { validateFleet } from '../../src/fleet/validate.js';
import { renderSvg } from '../../src/report/render.js';
import { readDocument } from '../../src/scenario/document.js';
import { assertClose, basic, GiB } from '../engine/scenario-builder.js';
import { fleet, idle } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('the Gantt chart of a fleet', () => {
  test('a staggered start by hand: the bars and the shares are the schedule worked out on paper', () => {
    // two idle 4 GiB guests on 250 MB/s, the second asked for at 10 s (as in fleet.test.ts)
    const R = 4 * GiB;
    const c = 0.25e9;
    const r = simulateFleet(
      fleet(c, [
        { name: 'first', scenario: idle(R) },
        { name: 'second', scenario: idle(R), start: 10 },
      ]),
    );
    const firstEnd = 10 + (R - 10 * c) / (c / 2);
    const secondEnd = firstEnd + (R - (firstEnd - 10) * (c / 2)) / c;
    const bars = r.runs.flatMap(vmBars);
    // idle guests: nothing is dirty at the stop, no downtime, one pre-copy bar each and no queue (no limit)
    assert.deepEqual(
      bars.map((b) => [b.vm, b.phase, b.fromMs]),
      [
        ['first', 'pre-copy', 0],
        ['second', 'pre-copy', 10_000],
      ],
    );
    assert.equal(r.runs[0]!.result!.downtimeMs, 0);
    assertClose(bars[0]!.toMs, firstEnd * 1000, 1e-9, 'end of first');
    assertClose(bars[1]!.toMs, secondEnd * 1000, 1e-9, 'end of second');
    // the shares: 250 MB/s alone, then 125 MB/s each, then 250 MB/s for the second, 0 when not running
    const at = (vm: string, tMs: number) => sharePoints(r.runs).find((p) => p.vm === vm && Math.abs(p.tMs - tMs) < 1e-6)?.bytesPerSec;
    assert.equal(at('first', 0), c);
    assert.equal(at('second', 0), 0);
    assert.equal(at('first', 10_000), c / 2);
    assert.equal(at('second', 10_000), c / 2);
    assert.equal(at('first', firstEnd * 1000), 0);
    assert.equal(at('second', firstEnd * 1000), c);
    assert.equal(at('second', secondEnd * 1000), 0);
  });

  test("on the drain example every VM's bars run from its request to its end without gaps, and the stacked shares never exceed the NIC", async () => {
    const file = join(ROOT, 'sweeps', 'examples', 'drain.yaml');
    const doc = readDocument(file);
    const f = validateFleet(doc.data, file, doc);
    const r = simulateFleet(f);
    for (const v of r.runs) {
      const bars = vmBars(v);
      assert.equal(bars[0]!.fromMs, v.vm.requestedStartS * 1000, v.vm.name);
      assertClose(bars[bars.length - 1]!.toMs, v.startS * 1000 + v.result!.totalTimeMs, 1e-12, v.vm.name);
      for (let k = 1; k < bars.length; k++) assert.equal(bars[k]!.fromMs, bars[k - 1]!.toMs, `${v.vm.name}: contiguous`);
      const queued = bars.find((b) => b.phase === 'queued');
      assertClose(queued ? queued.toMs - queued.fromMs : 0, (v.startS - v.vm.requestedStartS) * 1000, 1e-12, `${v.vm.name}: queue`);
    }
    const nic = f.hosts[0]!.nicBytesPerSec;
    const byInstant = new Map<number, number>();
    for (const p of sharePoints(r.runs)) byInstant.set(p.tMs, (byInstant.get(p.tMs) ?? 0) + p.bytesPerSec);
    for (const [t, sum] of byInstant) assert.ok(sum <= nic * (1 + 1e-12), `${sum} B/s at ${t} ms`);
    // KubeVirt lets 2 out of the node: while 2 run, they fill the NIC
    assertClose(byInstant.get(0)!, nic, 1e-12, 'two at the start fill the NIC');
    const svg = await renderSvg(fleetGanttSpec(r, 'drain'));
    for (const v of r.runs) assert.ok(svg.includes(`>${v.vm.name}<`), `${v.vm.name} is labelled`);
  });

  test('post-copy: the downtime bar ends where the post-copy starts, and the post-copy is the last postcopyMs', () => {
    // a guest dirtying faster than the link never converges: post-copy after the first pass
    const busy = basic({
      ram: GiB,
      workload: { kind: 'uniform', dirtyRate: 0.5e9 },
      bandwidth: 1,
      policy: [
        { kind: 'qemu', maxBandwidth: 0 },
        { kind: 'postcopy-after', passes: 1 },
      ],
    });
    const r = simulateFleet(fleet(0.25e9, [{ name: 'pc', scenario: busy }]));
    const res = r.runs[0]!.result!;
    assert.ok(res.postcopyMs > 0, 'the migration went to post-copy');
    const bars = vmBars(r.runs[0]!);
    assert.deepEqual(
      bars.map((b) => b.phase),
      ['pre-copy', 'downtime', 'post-copy'],
    );
    assertClose(bars[2]!.toMs - bars[2]!.fromMs, res.postcopyMs, 1e-12, 'post-copy');
    assertClose(bars[1]!.toMs - bars[1]!.fromMs, res.downtimeMs, 1e-9, 'downtime');
    assertClose(bars[2]!.toMs, res.totalTimeMs, 1e-12, 'end');
  });

  test('migsweep run <fleet-file> --timeline --png writes gantt.vl.json, gantt.svg and gantt.png into --out', () => {
    const out = mkdtempSync(join(tmpdir(), 'gantt-'));
    const cli = join(ROOT, 'dist', 'src', 'cli.js');
    const stdout = execFileSync(process.execPath, [cli, 'run', join(ROOT, 'sweeps', 'examples', 'drain.yaml'), '--timeline', '--png', '--out', out], { encoding: 'utf8' });
    assert.match(stdout, /gantt: .*gantt\.svg/);
    const spec = JSON.parse(readFileSync(join(out, 'gantt.vl.json'), 'utf8')) as { vconcat: { data: { values: { vm: string }[] } }[] };
    assert.deepEqual([...new Set(spec.vconcat[0]!.data.values.map((b) => b.vm))], ['db', 'cache', 'build', 'web-1', 'web-2', 'web-3']);
    assert.match(readFileSync(join(out, 'gantt.svg'), 'utf8'), /^<svg/);
    // a PNG starts with its signature
    assert.deepEqual([...readFileSync(join(out, 'gantt.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  });
});
