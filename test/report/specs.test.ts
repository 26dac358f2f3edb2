/**
 * The specs the report writes for the 2011 thread's sweep (a real sweep run
 * in this process): fields from the CSV, scales and units, compilation with
 * vega-lite, and the values a reader will quote.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeReport, type ReportOutcome } from '../../src/report/index.js';
import type { Row } from '../../src/report/types.js';
import { SEED_THREAD_SWEEP, runFixtureSweep } from './sweep-run.js';
import { summaryRows } from './summary-rows.js';

let dir = '';
let out: ReportOutcome;
let summary: { columns: string[]; rows: Row[] };
const specs: Record<string, TopLevelSpec & Record<string, unknown>> = {};

before(async () => {
  dir = await runFixtureSweep(SEED_THREAD_SWEEP, 'seed-thread');
  out = await writeReport(dir, { png: true });
  summary = summaryRows(dir);
  for (const c of out.charts) specs[c.name] = JSON.parse(readFileSync(join(dir, 'charts', `${c.name}.vl.json`), 'utf8'));
});

/** Every object in a spec (depth first). */
function* objects(node: unknown): Generator<Record<string, unknown>> {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) yield* objects(n);
    return;
  }
  yield node as Record<string, unknown>;
  for (const v of Object.values(node)) yield* objects(v);
}

/** Fields a spec reads in its encodings and facets. */
function usedFields(spec: unknown): Set<string> {
  const used = new Set<string>();
  for (const o of objects(spec)) {
    for (const key of ['encoding', 'facet']) {
      const enc = o[key] as Record<string, unknown> | undefined;
      if (!enc || typeof enc !== 'object') continue;
      for (const ch of Object.values(enc)) {
        const defs = Array.isArray(ch) ? ch : [ch];
        for (const d of defs) if (d && typeof d === 'object' && typeof (d as { field?: unknown }).field === 'string') used.add((d as { field: string }).field.replace(/\\/g, ''));
      }
      if (typeof enc.field === 'string') used.add(enc.field);
    }
  }
  return used;
}

/** Fields a spec makes itself: transform outputs and the keys of inline data. */
function madeFields(spec: unknown): { derived: Set<string>; dataKeys: Set<string>[] } {
  const derived = new Set<string>();
  const dataKeys: Set<string>[] = [];
  for (const o of objects(spec)) {
    if (typeof o.as === 'string') derived.add(o.as);
    if (Array.isArray(o.aggregate)) for (const a of o.aggregate as { as: string }[]) derived.add(a.as);
    const data = o.data as { values?: Record<string, unknown>[] } | undefined;
    if (data && Array.isArray(data.values)) dataKeys.push(new Set(data.values.flatMap((r) => Object.keys(r))));
  }
  return { derived, dataKeys };
}

test('the report writes the six charts as spec, SVG and PNG, the libraries and index.html', () => {
  assert.deepEqual(out.skipped, []);
  assert.equal(out.problems, null);
  assert.deepEqual(
    out.charts.map((c) => c.name),
    ['convergence-map', 'downtime-vs-ratio', 'cost-vs-ratio', 'pareto', 'promised-vs-real', 'timeline'],
  );
  for (const c of out.charts) for (const f of c.files) assert.ok(existsSync(join(dir, f)), f);
  for (const lib of ['vega', 'vega-lite', 'vega-embed']) assert.ok(existsSync(join(dir, 'lib', `${lib}.min.js`)), lib);
  assert.ok(existsSync(out.index));
});

test('every spec compiles with vega-lite, and each chart of the summary carries one row per scenario it can draw', () => {
  for (const [name, spec] of Object.entries(specs)) assert.doesNotThrow(() => compile(spec), name);
  // 12 dirty rates x 3 links x 4 variants = 144 scenarios
  assert.equal(summary.rows.length, 144);
  for (const name of ['convergence-map', 'downtime-vs-ratio', 'cost-vs-ratio', 'pareto']) assert.equal((specs[name]!.data as { values: Row[] }).values.length, 144, name);
  // promised against real: only the scenarios that completed with a downtime and an expectation
  const promised = summary.rows.filter((r) => (r.completedShare as number) >= 0.5 && (r.expectedDowntimeMs_median as number) > 0 && (r.downtimeMs_median as number) > 0);
  assert.ok(promised.length > 0 && promised.length < 144);
  assert.equal((specs['promised-vs-real']!.data as { values: Row[] }).values.length, promised.length);
});

test('the charts of the summary carry only summary.csv columns (and named derived ones), and encode only fields they have', () => {
  // RAM, when it is an axis, is decoded per scenario from the grid (axis-columns.ts): summary.csv leaves that metric column out
  const header = new Set([...summary.columns, 'ramBytes']);
  const DERIVED_DATA = new Set(['front', 'condition']); // the Pareto marking (pareto.ts)
  for (const name of ['convergence-map', 'downtime-vs-ratio', 'cost-vs-ratio', 'pareto', 'promised-vs-real']) {
    const spec = specs[name]!;
    const top = (spec.data as { values: Row[] }).values;
    for (const key of new Set(top.flatMap((r) => Object.keys(r)))) assert.ok(header.has(key) || DERIVED_DATA.has(key), `${name}: '${key}' is not a summary.csv column`);
    const { derived, dataKeys } = madeFields(spec);
    const known = new Set([...derived, ...dataKeys.flatMap((s) => [...s])]);
    for (const f of usedFields(spec)) assert.ok(known.has(f), `${name} encodes '${f}', which neither the data nor a transform has`);
  }
});

test('convergence map: dirty rate in MiB/s by link bandwidth in Gbit/s, one panel per variant, downtime on a log colour scale', () => {
  const s = specs['convergence-map'] as unknown as {
    facet: { field: string; sort: string[] };
    spec: { encoding: { x: { title: string }; y: { title: string[] } }; layer: { encoding: { color: { scale?: { type: string } } } }[] };
  };
  assert.equal(s.facet.field, 'variant');
  assert.deepEqual(s.facet.sort, ['qemu-2011', 'treutner', 'liguori', 'pause-60s']);
  assert.equal(s.spec.encoding.x.title, 'dirty rate (MiB/s)');
  assert.deepEqual(s.spec.encoding.y.title, ['link bandwidth', '(Gbit/s)']);
  assert.equal(s.spec.layer[0]!.encoding.color.scale?.type, 'log');
  const svg = readFileSync(join(dir, 'charts', 'convergence-map.svg'), 'utf8');
  // QEMU 0.15 on 100 Mbit/s: 6.1 s of downtime where it converges (the 30 ms promise, 200 times over)
  assert.match(svg, />6\.1s</);
});

test('downtime against the ratio: log scales, the 30 ms limit drawn, the runs that never finished marked', () => {
  const s = specs['downtime-vs-ratio'] as unknown as { vconcat: { facet: { column: { field: string } }; spec: { layer: Record<string, unknown>[] } }[] };
  const panel = s.vconcat[0]!;
  assert.equal(panel.facet.column.field, 'bandwidthBytesPerSec__Gbit_per_s');
  const line = panel.spec.layer.find((l) => (l.mark as { type?: string }).type === 'line') as {
    encoding: { x: { scale: { type: string }; title: string }; y: { scale: { type: string }; axis: { title: string } } };
  };
  assert.equal(line.encoding.x.scale.type, 'log');
  assert.equal(line.encoding.y.scale.type, 'log');
  assert.equal(line.encoding.y.axis.title, 'median downtime');
  const svg = readFileSync(join(dir, 'charts', 'downtime-vs-ratio.svg'), 'utf8');
  assert.match(svg, /downtime limit 30ms/);
  // the time axis is labelled in people's units
  assert.match(svg, />1min</);
  assert.match(svg, />100ms</);
  // qemu-2011 alone leaves scenarios unfinished (20 of 36): only its row of crosses is drawn
  const unfinished = summary.rows.filter((r) => (r.completedShare as number) < 0.5);
  assert.deepEqual([...new Set(unfinished.map((r) => r.variant))], ['qemu-2011']);
  assert.equal(unfinished.length, 20);
  const crosses = panel.spec.layer.filter((l) => (l.mark as { shape?: string } | undefined)?.shape === 'cross');
  assert.equal(crosses.length, 1);
  assert.match(JSON.stringify(crosses[0]!.transform), /qemu-2011/);
});

test('cost against the ratio: total time with the 1 h horizon and bytes sent / RAM, a point per scenario in each link panel', () => {
  const svg = readFileSync(join(dir, 'charts', 'cost-vs-ratio.svg'), 'utf8');
  assert.match(svg, /horizon \(1 h\): still running/);
  assert.match(svg, /median total migration time/);
  assert.match(svg, /median bytes sent \/ RAM/);
  // vega's SVG: a group of class mark-symbol per layer and panel, its points as paths; layer 3 filled (completed), layer 4 hollow (not)
  const groups = [...svg.matchAll(/<g class="mark-symbol role-mark concat_(\d)_child_layer_(\d)_marks"[^>]*>(.*?)<\/g>/gs)].map((m) => ({
    row: Number(m[1]),
    layer: Number(m[2]),
    points: (m[3]!.match(/<path/g) ?? []).length,
  }));
  const links = [...new Set(summary.rows.map((r) => r.bandwidthBytesPerSec as number))].sort((a, b) => a - b);
  for (const [row, col] of [
    [0, 'totalTimeMs_median'],
    [1, 'transferFactor_median'],
  ] as const) {
    const filled = groups.filter((g) => g.row === row && g.layer === 3).map((g) => g.points);
    const hollow = groups.filter((g) => g.row === row && g.layer === 4).map((g) => g.points);
    const at = (b: number, done: boolean) =>
      summary.rows.filter((r) => r.bandwidthBytesPerSec === b && (r[col] as number) > 0 && (r.completedShare as number) >= 0.5 === done).length;
    assert.deepEqual(
      filled,
      links.map((b) => at(b, true)),
      `${col}: completed points per link`,
    );
    assert.deepEqual(
      hollow,
      links.map((b) => at(b, false)),
      `${col}: unfinished points per link`,
    );
    // every scenario drawn once: 4 variants x 12 dirty rates per link
    assert.deepEqual(
      filled.map((n, i) => n + hollow[i]!),
      [48, 48, 48],
    );
  }
});

test('pareto: the filled points are exactly the non-dominated policies of each workload and link', () => {
  const rows = (specs.pareto?.data as { values: Row[] }).values;
  const key = (r: Row) => `${r.dirtyRateBytesPerSec}|${r.bandwidthBytesPerSec}`;
  const finite = (r: Row) => (r.completedShare as number) >= 0.5 && typeof r.totalTimeMs_median === 'number' && typeof r.downtimeMs_median === 'number';
  for (const r of rows) {
    const rivals = rows.filter((q) => q !== r && key(q) === key(r) && finite(q));
    const beaten = rivals.some(
      (q) =>
        (q.totalTimeMs_median as number) <= (r.totalTimeMs_median as number) &&
        (q.downtimeMs_median as number) <= (r.downtimeMs_median as number) &&
        ((q.totalTimeMs_median as number) < (r.totalTimeMs_median as number) || (q.downtimeMs_median as number) < (r.downtimeMs_median as number)),
    );
    assert.equal(r.front, finite(r) && !beaten ? 'yes' : 'no', `${r.variant} at ${key(r)}`);
  }
  // a forced end is always on some front: the pause at 60 s is the fastest to finish on the slow link
  assert.ok(rows.some((r) => r.variant === 'pause-60s' && r.front === 'yes'));
});

test("promised against real: one range on both axes, and the thread's factor of about 20 on 1 Gbit/s", () => {
  const s = specs['promised-vs-real'] as unknown as {
    title: { subtitle: string[] };
    spec: { layer: { encoding?: { x: { scale: { domain: number[] } }; y: { scale: { domain: number[] } } } }[] };
  };
  const points = s.spec.layer[1]!.encoding!;
  assert.deepEqual(points.x.scale.domain, points.y.scale.domain);
  const sentence = s.title.subtitle.join(' ');
  const m = /([\d.]+)× on 1 Gbit\/s/.exec(sentence);
  assert.ok(m, sentence);
  const factor = Number(m[1]);
  assert.ok(factor > 15 && factor < 25, `${factor}`);
});

test('timeline: one workload and link under every policy, re-simulated to the numbers of runs.csv', () => {
  const s = specs.timeline as unknown as {
    vconcat: { title: { text: string; subtitle: string }; vconcat: { layer: { data?: { values?: Record<string, number>[]; name?: string } }[] }[] }[];
    title: { subtitle: string[] };
    datasets: Record<string, Record<string, number>[]>;
  };
  assert.deepEqual(
    s.vconcat.map((b) => b.title.text),
    ['qemu-2011', 'treutner', 'liguori', 'pause-60s'],
  );
  assert.match(s.vconcat[0]!.title.subtitle, /never completed/);
  const why = s.title.subtitle.join(' ');
  assert.match(why, /does not always complete/);
  assert.doesNotMatch(why, /outside its replicates' range/);
  // each block's last point is where its run ended: the end time and bytes sent of the first replicate of
  // that variant in runs.csv (read here with csv-parse), at the block's dirty rate and one link for all four
  const runs = parse<Record<string, string>>(readFileSync(join(dir, 'runs.csv'), 'utf8'), { columns: true });
  const links = s.vconcat.map((block) => {
    // a series drawn in several panels is written once, as a named dataset
    const rowsOf = (data: { values?: Record<string, number>[]; name?: string } | undefined) => (data?.name !== undefined ? s.datasets[data.name] : data?.values) ?? [];
    const series = rowsOf(block.vconcat.flatMap((panel) => panel.layer).find((l) => rowsOf(l.data).some((v) => 'pendingBytes' in v))!.data);
    const last = series[series.length - 1]!;
    const same = (a: number, b: string) => Math.abs(a - Number(b)) <= 1e-9 * Math.abs(a);
    const match = runs.filter(
      (r) =>
        r.variant === block.title.text &&
        r.replicate === '0' &&
        same(series[0]!.dirtyRateBytesPerSec!, r.dirtyRateBytesPerSec!) &&
        same(last.tMs!, r.totalTimeMs!) &&
        same(last.transferredBytes!, r.transferredBytes!),
    );
    // (QEMU 0.15's 32 MiB/s cap makes its runs on 1 and 10 Gbit/s identical: a block may match more than one link)
    assert.ok(match.length >= 1, `${block.title.text}: no run of runs.csv ends at ${last.tMs} ms after ${last.transferredBytes} bytes`);
    return new Set(match.map((r) => r.bandwidthBytesPerSec));
  });
  // one link common to all four
  const common = [...links[0]!].filter((b) => links.every((l) => l.has(b)));
  assert.equal(common.length, 1, JSON.stringify(links.map((l) => [...l])));
});
