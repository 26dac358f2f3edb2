/**
 * `migsweep report` on the run folder of a sweep over fleets: the fleet
 * chart kinds of the report's registry, their values against figures worked
 * out again from runs.csv, the Gantt of one drain, the sampling of a long
 * axis, and the `charts` section (docs/fleets.md, "The report").
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../src/common/errors.js';
import { runFleetSweep } from '../../src/fleet/sweep-session.js';
import { readFleetSweep } from '../../src/fleet/sweep-spec.js';
import type { OutputFormat } from '../../src/sweep/formats.js';
import { writeReport } from '../../src/report/index.js';
import { parseSweep } from '../../src/sweep/spec.js';
import { SMALL_DRAIN, sweepFile } from './helpers.js';

type Row = Record<string, string>;
const MS_PER: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };

async function sweepAndReport(text: string, format: OutputFormat = 'csv') {
  const { dir, file } = sweepFile(text);
  const out = join(dir, `run-${format}`);
  await runFleetSweep({ file, out, workers: 2, format, stdout: new PassThrough(), stderr: new PassThrough() });
  const report = await writeReport(out);
  const spec = (name: string) => JSON.parse(readFileSync(join(out, 'charts', `${name}.vl.json`), 'utf8')) as Record<string, unknown>;
  return { dir, file, out, report, spec };
}

/** The runs.csv rows, read with csv-parse (not the report's reader). */
const runsOf = (out: string) => parse<Row>(readFileSync(join(out, 'runs.csv'), 'utf8'), { columns: true });

/** The unit in an axis title such as `makespan (min, log scale)`, in ms. */
function unitMs(title: string): number {
  const unit = /\((ms|s|min|h)\b/.exec(title)?.[1];
  assert.ok(unit !== undefined, title);
  return MS_PER[unit]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)]! + s[Math.ceil(m)]!) / 2;
}

describe('the report of a sweep over fleets', () => {
  test('draws the fleet chart kinds; the scatter and growth values are runs.csv figures, the Gantt re-simulates the fleet of median makespan', async () => {
    const { out, report, spec } = await sweepAndReport(SMALL_DRAIN);
    assert.equal(report.problems, null);
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(
      report.charts.map((c) => c.name),
      ['makespan-vs-p99-downtime', 'growth-with-concurrency', 'fleet-gantt'],
    );
    for (const c of report.charts) for (const f of c.files) assert.ok(existsSync(join(out, f)), f);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const c of report.charts) assert.ok(html.includes(`charts/${c.name}.svg`), c.name);
    // the page lists the fleet tables, not a single-VM run's summary.csv or per-policy table
    assert.ok(html.includes('<a href="migrations.csv">') && html.includes('<a href="runs.csv">'));
    assert.ok(!html.includes('summary.csv') && !html.includes('id="policies"'));
    const runs = runsOf(out);
    assert.equal(runs.length, 12);

    // the scatter: one point per fleet, at its makespan and p99 downtime
    const scatter = spec('makespan-vs-p99-downtime') as {
      data: { values: { fleet: string; makespan: number; p99: number }[] };
      spec: { encoding: Record<string, { title: string }> };
    };
    const xMs = unitMs(scatter.spec.encoding.x!.title);
    const yMs = unitMs(scatter.spec.encoding.y!.title);
    assert.equal(scatter.data.values.length, 12);
    for (const r of runs) {
      const p = scatter.data.values.find((v) => v.fleet === r.fleet)!;
      assert.ok(Math.abs(p.makespan * xMs - Number(r.makespanMs)) <= 1e-9 * Number(r.makespanMs), `fleet ${r.fleet} makespan`);
      assert.ok(Math.abs(p.p99 * yMs - Number(r.downtimeMsP99)) <= 1e-9 * Number(r.downtimeMsP99), `fleet ${r.fleet} p99`);
    }

    // the growth chart: per order (the colour), limit and NIC, the median of the makespans and of the worst downtimes
    const growth = spec('growth-with-concurrency') as {
      data: { values: { setting: string; panel: string; k: number; metric: string; median: number }[] };
      vconcat: { spec: { layer: { encoding: { y: { title?: string } } }[] } }[];
    };
    const makespanMs = unitMs(growth.vconcat[0]!.spec.layer[1]!.encoding.y.title!);
    const downtimeMs = unitMs(growth.vconcat[1]!.spec.layer[1]!.encoding.y.title!);
    const groups = new Map<string, Row[]>();
    for (const r of runs) {
      const key = JSON.stringify([r['orchestrator.order'], Number(r['orchestrator.maxOutboundPerHost']), `src.nic ${r['hosts.src.nic']}, dst.nic ${r['hosts.dst.nic']}`]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const [key, rows] of groups) {
      const [setting, k, panel] = JSON.parse(key) as [string, number, string];
      const at = (metric: string) => growth.data.values.find((v) => v.setting === setting && v.k === k && v.panel === panel && v.metric === metric);
      assert.ok(Math.abs(at('makespanMs')!.median * makespanMs - median(rows.map((r) => Number(r.makespanMs)))) < 1e-6, key);
      const worst = rows.map((r) => r.downtimeMsMax).filter((d) => d !== '');
      if (worst.length) assert.ok(Math.abs(at('downtimeMsMax')!.median * downtimeMs - median(worst.map(Number))) < 1e-6, key);
    }

    // the Gantt: the fleet whose makespan is the lower middle of the 12 (ties: the first fleet)
    const sorted = [...runs].sort((a, b) => Number(a.makespanMs) - Number(b.makespanMs) || Number(a.fleet) - Number(b.fleet));
    const chosen = sorted[5]!;
    const gantt = spec('fleet-gantt') as { title: { text: string }; vconcat: { data: { values: { vm: string; to: number }[] }; encoding: { x: { title: string | null } } }[] };
    assert.match(gantt.title.text, new RegExp(`fleet ${chosen.fleet}, VM by VM`));
    const bars = gantt.vconcat[0]!.data.values;
    assert.deepEqual([...new Set(bars.map((b) => b.vm))], ['big', 'small-1', 'small-2', 'small-3']);
    const ganttMs = unitMs(gantt.vconcat[1]!.encoding.x.title!);
    const end = Math.max(...bars.map((b) => b.to)) * ganttMs;
    assert.ok(Math.abs(end - Number(chosen.makespanMs)) < 1e-6 * Number(chosen.makespanMs), `${end} against ${chosen.makespanMs}`);
  });

  test('a run written as Parquet only gets the same charts', async () => {
    const csv = await sweepAndReport(SMALL_DRAIN, 'csv');
    const parquet = await sweepAndReport(SMALL_DRAIN, 'parquet');
    assert.equal(existsSync(join(parquet.out, 'runs.csv')), false);
    for (const name of ['makespan-vs-p99-downtime', 'growth-with-concurrency', 'fleet-gantt']) assert.deepEqual(parquet.spec(name), csv.spec(name), name);
  });

  test('an axis of 45 values is drawn at 40 of them, evenly spaced, and the charts say so', async () => {
    const text = `name: long-axis
base:
  hosts: { a: { nic: 10Gbit/s }, b: { nic: 10Gbit/s } }
  vms:
    - { name: web, count: 2, from: a, to: b, vm: { ram: 1GiB }, workload: { kind: uniform, dirtyRate: 10MiB/s }, policy: { kind: precopy } }
  orchestrator: { preset: none }
axes:
  orchestrator.maxParallel: { from: 1, to: 45, steps: 45, round: true }
`;
    const { out, spec } = await sweepAndReport(text);
    const scatter = spec('makespan-vs-p99-downtime') as { title: { subtitle: string[] }; data: { values: { fleet: string }[] } };
    // 45 values, 40 kept at round(i x 44 / 39): the first and the last among them
    const kept = Array.from({ length: 40 }, (_, i) => Math.round((i * 44) / 39));
    assert.deepEqual(
      scatter.data.values.map((p) => Number(p.fleet)),
      kept,
    );
    assert.match(scatter.title.subtitle.join(' '), /Sampled: 40 of the sweep's 45 values of orchestrator\.max parallel/);
    assert.equal(runsOf(out).length, 45);
  });

  test('`charts:` picks the fleet kinds (a Gantt of a named fleet); single-VM kinds and a fleet that does not exist are refused', async () => {
    const withCharts = `${SMALL_DRAIN}charts:\n  - { kind: fleet-gantt, name: drain-3, fleet: 3 }\n`;
    const { out, report, spec } = await sweepAndReport(withCharts);
    assert.deepEqual(readdirSync(join(out, 'charts')).sort(), ['drain-3.svg', 'drain-3.vl.json']);
    assert.equal(report.charts.length, 1);
    const three = runsOf(out).find((r) => r.fleet === '3')!;
    // the drain drawn is fleet 3's: its bars end at fleet 3's makespan in runs.csv
    const gantt = spec('drain-3') as { vconcat: { data: { values: { to: number }[] }; encoding: { x: { title: string | null } } }[] };
    const end = Math.max(...gantt.vconcat[0]!.data.values.map((b) => b.to)) * unitMs(gantt.vconcat[1]!.encoding.x.title!);
    assert.ok(Math.abs(end - Number(three.makespanMs)) < 1e-6 * Number(three.makespanMs), `${end} against ${three.makespanMs}`);

    assert.throws(
      () => readFleetSweep(parseYaml(`${SMALL_DRAIN}charts: [pareto]\n`) as Record<string, unknown>, 'drain.yaml'),
      (e: unknown) =>
        e instanceof InputError && /drain\.yaml.*charts\[0\].*'pareto' draws sweeps of single VMs; a sweep over fleets takes makespan-vs-p99-downtime/s.test(e.message),
    );
    // and a sweep of single VMs refuses the fleet kinds, at their line
    const single = `name: single\nbase:\n  vm: { ram: 1GiB }\n  workload: { kind: uniform, dirtyRate: 10MiB/s }\n  link: { bandwidth: 1Gbit/s }\n  policy: { kind: precopy }\ncharts:\n  - pareto\n  - { kind: fleet-gantt, fleet: 2 }\n`;
    assert.throws(
      () => parseSweep('single.yaml', single),
      (e: unknown) => e instanceof InputError && /single\.yaml:9:5: charts\[1\]: the chart kind 'fleet-gantt' draws sweeps over fleets/.test(e.message),
    );
    const far = await sweepAndReport(`${SMALL_DRAIN}charts:\n  - { kind: fleet-gantt, fleet: 12 }\n`);
    assert.ok(far.report.problems !== null);
    assert.match(far.report.problems.message, /charts\[0\] \(fleet-gantt\)\.fleet.*the sweep has 12 fleets \(0 to 11\), found 12/s);
  });
});
