import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { simulate } from '../../src/engine/simulate.js';
import { checkBest, runTune } from '../../src/tune/session.js';
import { runSweep } from '../../src/sweep/session.js';
import type { Scenario } from '../../src/engine/types.js';
import { tuneCharts } from '../../src/tune/report.js';
import { simulateRuns } from '../../src/tune/runs.js';
import {
  compensatedSum,
  read,
  Sink,
  SMALL,
  SMALL_DOWNTIMES,
  SMALL_DOWNTIMES_S,
  smallGrid,
  smallPopulation,
  smallStats,
  tempDir,
  tuneFile,
  type7,
  type SmallStats,
} from './helpers.js';

const quiet = () => ({ stdout: new Sink(), stderr: new Sink(), quiet: true });

describe('migsweep tune on a space small enough to enumerate', () => {
  const dir = tempDir();
  const file = tuneFile(dir, 'small', SMALL);

  test('the answer is the best feasible point of the whole grid, simulated here point by point', async () => {
    const grid = smallGrid();
    const feasible = grid.filter((g) => g.stats.downtimeP95 <= 600 && g.stats.abortedShare <= 0.2);
    assert.ok(feasible.length > 0 && feasible.length < grid.length, `the constraints should cut the grid (feasible: ${feasible.length} of ${grid.length})`);
    const expected = feasible.reduce((a, b) => (b.stats.totalMean < a.stats.totalMean ? b : a));

    const out = join(dir, 'run');
    const r = await runTune({ file, out, budget: 50, workers: 0, ...quiet() });
    assert.equal(r.exitCode, 0);
    const best = JSON.parse(read(join(out, 'best.json'))) as {
      strategy: string;
      constants: Record<string, number>;
      statistics: Record<string, number>;
      feasible: boolean;
      margins: Record<string, number>;
    };
    assert.equal(best.strategy, 'grid');
    assert.deepEqual(best.constants, { 'policy[1].downtime': expected.downtime, 'policy[1].steps': expected.steps });
    assert.deepEqual(best.statistics, { 'downtimeMs.p95': expected.stats.downtimeP95, abortedShare: expected.stats.abortedShare, 'totalTimeMs.mean': expected.stats.totalMean });
    assert.equal(best.feasible, true);
    assert.equal(best.margins['downtimeMs.p95 <= 600ms'], 600 - expected.stats.downtimeP95);

    // candidates.csv: the 12 grid points in order with their statistics and feasibility, then the sensitivity probes
    const rows = parse<Record<string, string>>(read(join(out, 'candidates.csv')), { columns: true });
    const gridRows = rows.filter((row) => row.phase === 'grid');
    assert.equal(gridRows.length, 12);
    gridRows.forEach((row, i) => {
      const g = grid[i] as (typeof grid)[number];
      assert.equal(Number(row['policy[1].downtime']), g.downtime);
      assert.equal(Number(row['policy[1].steps']), g.steps);
      assert.equal(Number(row['totalTimeMs.mean']), g.stats.totalMean);
      assert.equal(row.feasible, String(g.stats.downtimeP95 <= 600 && g.stats.abortedShare <= 0.2));
    });
  });

  test('sensitivity: the change of the objective one value up and down each constant, from the best point', async () => {
    const grid = smallGrid();
    const r = await runTune({ file, out: join(dir, 'sens'), budget: 50, workers: 0, ...quiet() });
    const best = r.bestJson;
    assert.ok(best);
    const at = (downtime: number, steps: number) => grid.find((g) => g.downtime === downtime && g.steps === steps)?.stats.totalMean;
    const d = best.constants['policy[1].downtime'] as number;
    const k = best.constants['policy[1].steps'] as number;
    const here = at(d, k) as number;
    const di = SMALL_DOWNTIMES_S.indexOf(d);
    const expectChange = (v: number | undefined) => (v === undefined ? null : v - here);
    assert.deepEqual(best.sensitivity['policy[1].steps'], {
      step: k < 6 ? 1 : -1,
      changeUp: expectChange(k < 6 ? at(d, k + 1) : undefined),
      changeDown: expectChange(k > 3 ? at(d, k - 1) : undefined),
    });
    const up = SMALL_DOWNTIMES_S[di + 1];
    const down = SMALL_DOWNTIMES_S[di - 1];
    assert.deepEqual(best.sensitivity['policy[1].downtime'], {
      step: up !== undefined ? up - d : d - (down as number),
      changeUp: expectChange(up === undefined ? undefined : at(up, k)),
      changeDown: expectChange(down === undefined ? undefined : at(down, k)),
    });
  });

  test('without an objective: pareto.csv is the feasible points no other feasible point beats on both constrained statistics', async () => {
    const grid = smallGrid();
    const noObjective = tuneFile(dir, 'pareto', SMALL.replace('objective: { minimize: totalTimeMs.mean }\n', ''));
    const r = await runTune({ file: noObjective, out: join(dir, 'pareto-run'), budget: 50, workers: 0, ...quiet() });
    assert.equal(r.exitCode, 0);
    const feasible = grid.filter((g) => g.stats.downtimeP95 <= 600 && g.stats.abortedShare <= 0.2);
    const beats = (a: SmallStats, b: SmallStats) =>
      a.downtimeP95 <= b.downtimeP95 && a.abortedShare <= b.abortedShare && (a.downtimeP95 < b.downtimeP95 || a.abortedShare < b.abortedShare);
    const front = feasible.filter((g) => !feasible.some((h) => beats(h.stats, g.stats)));
    const rows = parse<Record<string, string>>(read(join(dir, 'pareto-run', 'pareto.csv')), { columns: true });
    assert.deepEqual(
      rows.map((x) => [Number(x['policy[1].downtime']), Number(x['policy[1].steps'])]),
      front.map((g) => [g.downtime, g.steps]),
    );
    // the recommendation: the feasible point furthest inside both constraints (largest smallest relative margin)
    const slack = (g: (typeof grid)[number]) => Math.min((600 - g.stats.downtimeP95) / 600, (0.2 - g.stats.abortedShare) / 0.2);
    const widest = feasible.reduce((a, b) => (slack(b) > slack(a) ? b : a));
    assert.deepEqual(r.bestJson?.constants, { 'policy[1].downtime': widest.downtime, 'policy[1].steps': widest.steps });
  });

  test('the recommendation run as an ordinary sweep over the same population meets every constraint with the reported statistics', async () => {
    const out = join(dir, 'run-sweep');
    await runTune({ file, out, budget: 50, workers: 0, ...quiet() });
    const best = JSON.parse(read(join(out, 'best.json'))) as { constants: Record<string, number>; statistics: Record<string, number> };
    const sweep = SMALL.replace(/search:[\s\S]*$/, '')
      .replace('name: small', 'name: small-sweep')
      .replace(
        '{ kind: nova, downtimeDelay: 3, completionTimeout: 30 }',
        `{ kind: nova, downtimeDelay: 3, completionTimeout: 30, downtime: ${best.constants['policy[1].downtime']}, steps: ${best.constants['policy[1].steps']} }`,
      )
      .replace('population:\n  axes:', 'axes:')
      .replace('  replicates: 2', 'replicates: 2')
      .replace(/\n {4}/g, '\n  ');
    const sweepDir = join(dir, 'sweep-out');
    const done = await runSweep({ file: tuneFile(dir, 'small-sweep', sweep), out: sweepDir, workers: 1, progress: 'quiet', stdout: new Sink(), stderr: new Sink(), hooks: [] });
    assert.equal(done.exitCode, 0);
    const runs = parse<Record<string, string>>(read(join(sweepDir, 'runs.csv')), { columns: true });
    assert.equal(runs.length, 12);
    const downtimes = runs
      .filter((r) => r.downtimeMs !== '')
      .map((r) => Number(r.downtimeMs))
      .sort((a, b) => a - b);
    assert.equal(best.statistics['downtimeMs.p95'], type7(downtimes, 0.95));
    assert.equal(best.statistics.abortedShare, runs.filter((r) => r.outcome === 'aborted').length / runs.length);
    assert.equal(best.statistics['totalTimeMs.mean'], compensatedSum(runs.map((r) => Number(r.totalTimeMs))) / runs.length);
    assert.ok((best.statistics['downtimeMs.p95'] ?? NaN) <= 600 && (best.statistics.abortedShare ?? NaN) <= 0.2);
  });

  test("report.html: per constraint every candidate against the objective with the chosen one marked, then the chosen constants' runs", async () => {
    const r = await runTune({ file, out: join(dir, 'report'), budget: 50, workers: 0, ...quiet() });
    const html = read(join(dir, 'report', 'report.html'));
    assert.equal(html.match(/<script type="application\/json" id="spec-/g)?.length, 4);
    const charts = tuneCharts(
      r.problem,
      r.evaluated,
      r.best,
      r.best === null
        ? null
        : simulateRuns(
            r.problem.population.items(7) as Scenario[],
            r.problem.dims.map((d, i) => [d.segments, r.best?.values[i] ?? NaN]),
            0,
            12,
          ),
    );
    const points = (charts[0]?.spec.layer as { data: { values: { id: string; x: number; y: number; chosen: boolean }[] } }[])[2]?.data.values ?? [];
    assert.equal(points.length, 12);
    const chosen = points.filter((p) => p.chosen);
    assert.deepEqual(chosen, [{ id: r.best?.id, x: r.bestJson?.statistics['downtimeMs.p95'], y: r.bestJson?.statistics['totalTimeMs.mean'], feasible: 'feasible', chosen: true }]);
    // the downtime of each completed run of the chosen constants, and the runs by outcome
    const d = SMALL_DOWNTIMES[SMALL_DOWNTIMES_S.indexOf(r.bestJson?.constants['policy[1].downtime'] ?? NaN)] as string;
    const runs = smallPopulation(d, r.bestJson?.constants['policy[1].steps'] ?? NaN).map((s) => simulate(s));
    const ticks = (charts[2]?.spec.layer as { data: { values: { value: number }[] } }[])[0]?.data.values.map((v) => v.value);
    assert.deepEqual(
      ticks,
      runs.filter((x) => Number.isFinite(x.downtimeMs)).map((x) => x.downtimeMs),
    );
    const bars = (charts[3]?.spec.data as { values: { outcome: string; runs: number }[] }).values;
    assert.deepEqual(
      bars,
      ['completed', 'aborted', 'unfinished'].map((o) => ({ outcome: o, runs: runs.filter((x) => x.outcome === o).length })),
    );
  });

  test('the same candidates.csv in the main thread and with 2 worker threads', async () => {
    await runTune({ file, out: join(dir, 'w0'), budget: 50, workers: 0, ...quiet() });
    await runTune({ file, out: join(dir, 'w2'), budget: 50, workers: 2, ...quiet() });
    assert.equal(read(join(dir, 'w2', 'candidates.csv')), read(join(dir, 'w0', 'candidates.csv')));
  });

  test('an interrupted run resumed writes each candidate once and ends where an uninterrupted one does', async () => {
    const whole = await runTune({ file, out: join(dir, 'whole'), budget: 50, workers: 0, ...quiet() });
    const cut = await runTune({ file, out: join(dir, 'cut'), budget: 50, workers: 0, stopAfter: 5, ...quiet() });
    assert.equal(cut.exitCode, 130);
    const partial = read(join(dir, 'cut', 'candidates.csv'));
    assert.ok(partial.trimEnd().split('\n').length - 1 < 12, 'the interrupted run stopped early');
    const resumed = await runTune({ file, out: join(dir, 'cut'), budget: 50, workers: 0, resume: true, ...quiet() });
    assert.equal(resumed.exitCode, 0);
    assert.ok(read(join(dir, 'cut', 'candidates.csv')).startsWith(partial), 'candidates.csv is only appended to');
    assert.equal(read(join(dir, 'cut', 'candidates.csv')), read(join(dir, 'whole', 'candidates.csv')));
    assert.deepEqual(resumed.bestJson?.constants, whole.bestJson?.constants);
  });

  test('a budget smaller than the grid: a Latin hypercube then pattern search, within the budget, the same answer twice', async () => {
    const a = await runTune({ file, out: join(dir, 'lhs-a'), budget: 7, workers: 0, ...quiet() });
    const b = await runTune({ file, out: join(dir, 'lhs-b'), budget: 7, workers: 0, ...quiet() });
    assert.equal(a.bestJson?.strategy, 'design+pattern');
    assert.deepEqual(b.bestJson?.constants, a.bestJson?.constants);
    const searched = parse<Record<string, string>>(read(join(dir, 'lhs-a', 'candidates.csv')), { columns: true }).filter((r) => r.phase !== 'sensitivity');
    assert.equal(searched.length, 7);
    const ids = parse<Record<string, string>>(read(join(dir, 'lhs-a', 'candidates.csv')), { columns: true }).map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'each candidate once in candidates.csv, sensitivity probes included');
    assert.equal(searched.filter((r) => r.phase === 'design').length, 3);
    assert.equal(read(join(dir, 'lhs-a', 'candidates.csv')), read(join(dir, 'lhs-b', 'candidates.csv')));
  });

  test('--check re-runs the recommendation: with the tuning seed it finds the same statistics, with another it reports each constraint', async () => {
    const out = join(dir, 'check');
    await runTune({ file, out, budget: 50, workers: 0, ...quiet() });
    const best = JSON.parse(read(join(out, 'best.json'))) as { statistics: Record<string, number> };
    const same = await checkBest({ bestFile: join(out, 'best.json'), seed: 7, workers: 0, stdout: new Sink(), stderr: new Sink() });
    assert.equal(same.exitCode, 0);
    assert.deepEqual(same.candidate.statistics, Object.values(best.statistics));
    const sink = new Sink();
    const fresh = await checkBest({ bestFile: join(out, 'best.json'), workers: 0, stdout: sink, stderr: new Sink() });
    assert.equal(fresh.seed, 8);
    // independently: the recommendation over seed 8's draw
    const constants = JSON.parse(readFileSync(join(out, 'best.json'), 'utf8')) as { constants: Record<string, number> };
    const d = SMALL_DOWNTIMES[SMALL_DOWNTIMES_S.indexOf(constants.constants['policy[1].downtime'] as number)] as string;
    const stats = smallStats(smallPopulation(d, constants.constants['policy[1].steps'] as number, 8).map((s) => simulate(s)));
    const holds = stats.downtimeP95 <= 600 && stats.abortedShare <= 0.2;
    assert.equal(fresh.exitCode, holds ? 0 : 1);
    assert.match(sink.text, new RegExp(`${holds ? 'holds' : 'FAILS'}: downtimeMs.p95 <= 600ms: downtimeMs.p95 = `));
  });
});

describe('an infeasible problem', () => {
  test('says so, exits 1, and names the constraint closest to being met and the candidate that came closest', async () => {
    const dir = tempDir();
    // no downtime of the grid is under 1 ms, while abortedShare <= 0.5 can be met
    const text = SMALL.replace('"downtimeMs.p95 <= 600ms", "abortedShare <= 0.2"', '"downtimeMs.p95 <= 1ms", "totalTimeMs.max <= 1ms"');
    const stdout = new Sink();
    const r = await runTune({ file: tuneFile(dir, 'never', text), out: join(dir, 'run'), budget: 50, workers: 0, stdout, stderr: new Sink(), quiet: true });
    assert.equal(r.exitCode, 1);
    assert.equal(r.bestJson?.feasible, false);
    // independently: the closest candidate has the smallest sum of relative shortfalls; its smaller shortfall names the constraint
    const rows = parse<Record<string, string>>(read(join(dir, 'run', 'candidates.csv')), { columns: true }).filter((x) => x.phase === 'grid');
    const shortfall = (row: Record<string, string>) => (Number(row['downtimeMs.p95']) - 1) / 1 + (Number(row['totalTimeMs.max']) - 1) / 1;
    const closest = rows.reduce((a, b) => (shortfall(b) < shortfall(a) ? b : a));
    const which = Number(closest['downtimeMs.p95']) < Number(closest['totalTimeMs.max']) ? 'downtimeMs.p95 <= 1ms' : 'totalTimeMs.max <= 1ms';
    assert.equal(r.bestJson?.closest?.candidate, closest.id);
    assert.equal(r.bestJson?.closest?.constraint, which);
    assert.match(stdout.text, /infeasible: no candidate meets every constraint/);
    assert.match(stdout.text, new RegExp(`closest to being met: "${which.replace(/[.*]/g, '\\$&')}"`));
    assert.match(stdout.text, new RegExp(`closest candidate ${closest.id}`));
  });
});

describe('a constraint with headroom', () => {
  test('the search holds the statistic to the limit less the headroom; --check holds the recommendation to the limit as written', async () => {
    const dir = tempDir();
    const text = SMALL.replace('"downtimeMs.p95 <= 600ms"', '"downtimeMs.p95 <= 600ms with headroom 150ms"');
    const file = tuneFile(dir, 'headroom', text);
    // independently: the best point of the grid by mean total time among those with p95 <= 450 ms
    const grid = smallGrid();
    const tight = grid.filter((g) => g.stats.downtimeP95 <= 450 && g.stats.abortedShare <= 0.2);
    const loose = grid.filter((g) => g.stats.downtimeP95 <= 600 && g.stats.abortedShare <= 0.2);
    assert.ok(tight.length > 0 && tight.length < loose.length, `the headroom should cut the feasible set (${tight.length} of ${loose.length})`);
    const expected = tight.reduce((a, b) => (b.stats.totalMean < a.stats.totalMean ? b : a));
    const out = join(dir, 'run');
    const r = await runTune({ file, out, budget: 50, workers: 0, ...quiet() });
    assert.deepEqual(r.bestJson?.constants, { 'policy[1].downtime': expected.downtime, 'policy[1].steps': expected.steps });
    // the margin is to the search's limit, 450 ms
    assert.equal(r.bestJson?.margins['downtimeMs.p95 <= 600ms with headroom 150ms'], 450 - expected.stats.downtimeP95);
    // a point between 450 and 600 ms is infeasible for the search but would pass --check
    const rows = parse<Record<string, string>>(read(join(out, 'candidates.csv')), { columns: true });
    for (const row of rows.filter((x) => x.phase === 'grid')) {
      const p95 = Number(row['downtimeMs.p95']);
      assert.equal(row.feasible === 'true', p95 <= 450 && Number(row.abortedShare) <= 0.2, `row ${row.id}: p95 ${p95}`);
    }
    const sink = new Sink();
    const check = await checkBest({ bestFile: join(out, 'best.json'), seed: 7, workers: 0, stdout: sink, stderr: new Sink() });
    assert.equal(check.exitCode, 0);
    assert.equal(check.candidate.margins[0], 600 - expected.stats.downtimeP95);
  });
});
