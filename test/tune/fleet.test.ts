import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { simulateFleet } from '../../src/fleet/simulate-fleet.js';
import { validateFleet } from '../../src/fleet/validate.js';
import { checkBest, runTune } from '../../src/tune/session.js';
import { fnv1a } from '../sweep/helpers.js';
import { compensatedSum, migsweep, read, Sink, tempDir, tuneFile, type7 } from './helpers.js';

const TUNE = fileURLToPath(new URL('../../../tunes/drain-parallel.yaml', import.meta.url));
const NICS = ['4Gbit/s', '10Gbit/s'];

interface FleetStats {
  downtimeP95: number;
  totalMaxP95: number;
  completedShare: number;
  makespanMean: number;
}

/**
 * The population of tunes/drain-parallel.yaml built here: the base fleet
 * with each NIC of the axis and maxParallel set, 8 replicates each, fleet
 * i's replicate r seeded FNV-1a("<seed>:fleet-i-r"); per fleet its worst
 * downtime and worst migration time, then type-7 p95s and the mean makespan
 * over the 16 fleets.
 */
function drainStats(maxParallel: number, seed = 1): FleetStats {
  const file = parseYaml(readFileSync(TUNE, 'utf8')) as { base: Record<string, unknown> };
  const worstDowntime: number[] = [];
  const worstTotal: number[] = [];
  const makespans: number[] = [];
  let complete = 0;
  NICS.forEach((nic, i) => {
    for (let r = 0; r < 8; r++) {
      const raw = structuredClone(file.base) as { hosts: { src: { nic: string } }; orchestrator: { maxParallel: number }; seed?: number };
      raw.hosts.src.nic = nic;
      raw.orchestrator.maxParallel = maxParallel;
      raw.seed = fnv1a(`${seed}:fleet-${i}-${r}`);
      const result = simulateFleet(validateFleet(raw, 'test'));
      const runs = result.runs.map((v) => v.result);
      worstDowntime.push(Math.max(...runs.map((x) => x?.downtimeMs ?? NaN).filter(Number.isFinite)));
      worstTotal.push(Math.max(...runs.map((x) => x?.totalTimeMs ?? NaN).filter(Number.isFinite)));
      makespans.push(result.makespanS * 1000);
      if (runs.every((x) => x?.outcome === 'completed')) complete++;
    }
  });
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return {
    downtimeP95: type7(sorted(worstDowntime), 0.95),
    totalMaxP95: type7(sorted(worstTotal), 0.95),
    completedShare: complete / 16,
    makespanMean: compensatedSum(makespans) / 16,
  };
}

describe('a fleet as the base: tunes/drain-parallel.yaml', () => {
  const dir = tempDir();

  test("every candidate's fleet statistics are the population's, worked out fleet by fleet here; the answer is the best feasible one", async () => {
    const out = join(dir, 'run');
    const r = await runTune({ file: TUNE, out, workers: 2, stdout: new Sink(), stderr: new Sink(), quiet: true });
    const expected = [1, 2, 3, 4].map((p) => ({ p, stats: drainStats(p) }));
    const rows = parse<Record<string, string>>(read(join(out, 'candidates.csv')), { columns: true }).filter((x) => x.phase === 'grid');
    assert.deepEqual(
      rows.map((x) => Number(x['orchestrator.maxParallel'])),
      [1, 2, 3, 4],
    );
    rows.forEach((row, k) => {
      const e = (expected[k] as { stats: FleetStats }).stats;
      assert.equal(Number(row['downtimeMsMax.p95']), e.downtimeP95);
      assert.equal(Number(row['totalTimeMsMax.p95']), e.totalMaxP95);
      assert.equal(Number(row.completedShare), e.completedShare);
      assert.ok(Math.abs(Number(row['makespanMs.mean']) - e.makespanMean) <= 1e-9 * e.makespanMean);
    });
    // feasible: worst downtime p95 <= 500 ms, worst migration p95 <= 70 s less 8 s of headroom, every fleet complete
    const feasible = expected.filter((x) => x.stats.downtimeP95 <= 500 && x.stats.totalMaxP95 <= 62000 && x.stats.completedShare >= 1);
    assert.ok(feasible.length > 0 && feasible.length < 4, `the constraints should cut the grid (${feasible.length} of 4)`);
    const best = feasible.reduce((a, b) => (b.stats.makespanMean < a.stats.makespanMean ? b : a));
    assert.equal(r.exitCode, 0);
    assert.deepEqual(r.bestJson?.constants, { 'orchestrator.maxParallel': best.p });
    assert.deepEqual(r.bestJson?.tune, { file: 'tune.yaml', seed: 1, populationPoints: 2, replicates: 8, runs: 16 });
    // the base's orchestrator is KubeVirt's: its cluster-wide limit is parallelMigrationsPerCluster
    assert.deepEqual(r.bestJson?.settings, [`KubeVirt CR spec.configuration.migrations: { parallelMigrationsPerCluster: ${best.p} }`]);

    // --check: the same fleets redrawn with seed 2 (their guests' RAM and workloads too)
    const check = await checkBest({ bestFile: join(out, 'best.json'), seed: 2, workers: 0, stdout: new Sink(), stderr: new Sink() });
    const fresh = drainStats(best.p, 2);
    assert.deepEqual(check.candidate.statistics.slice(0, 3), [fresh.downtimeP95, fresh.totalMaxP95, fresh.completedShare]);
  });

  test('bad input on a fleet base: a search path the fleet lacks (nearest name), a metric fleets do not have (nearest name)', () => {
    const text = readFileSync(TUNE, 'utf8');
    const path = migsweep(['tune', tuneFile(dir, 'path', text.replace('orchestrator.maxParallel: {', 'orchestrator.maxParalel: {')), '--out', join(dir, 'p-out')]);
    assert.equal(path.code, 2);
    assert.match(path.err, /path\.yaml:\d+:\d+: search\.orchestrator\.maxParalel: the fleet has no orchestrator\.maxParalel; did you mean 'maxParallel'\?/);
    const metric = migsweep(['tune', tuneFile(dir, 'metric', text.replace('"downtimeMsMax.p95 <= 500ms"', '"downtimeMs.p95 <= 500ms"')), '--out', join(dir, 'm-out')]);
    assert.equal(metric.code, 2);
    assert.match(metric.err, /metric\.yaml:\d+:\d+: constraints\[0\]: unknown metric 'downtimeMs'; did you mean 'downtimeMsP99'\? \(metrics: makespanMs, /);
  });
});
