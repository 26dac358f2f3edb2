import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { simulate } from '../../src/engine/simulate.js';
import { hashString, Random } from '../../src/engine/random.js';
import type { Scenario } from '../../src/engine/types.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { resolveTune } from '../../src/tune/problem.js';
import { checkBest, runTune } from '../../src/tune/session.js';
import { readTune } from '../../src/tune/spec.js';
import { fnv1a } from '../sweep/helpers.js';
import { migsweep, Sink, SMALL, smallStats, tempDir, tuneFile } from './helpers.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const quiet = () => ({ stdout: new Sink(), stderr: new Sink(), quiet: true });

/** SMALL with its three dirty rates drawn from a loguniform distribution instead of listed. */
const DRAWN = SMALL.replace('workload.dirtyRate: [20MiB/s, 60MiB/s, 110MiB/s]', 'workload.dirtyRate: { distribution: loguniform, from: 20MiB/s, to: 110MiB/s, samples: 3 }');

/** The three rates, drawn here: slice i of 3 at (i + r_i) / 3, r from the generator seeded by FNV-1a("population:workload.dirtyRate", seed). */
function rates(seed: number): number[] {
  const rng = new Random(hashString('population:workload.dirtyRate', seed));
  return [0, 1, 2].map((i) => 20 * MiB * (110 / 20) ** ((i + rng.next()) / 3));
}

/** The population built here (docs/sweeps.md's ids and seeds), with Nova's downtime and steps set. */
function population(seed: number, downtimeS: number, steps: number): Scenario[] {
  const out: Scenario[] = [];
  for (const rate of rates(seed))
    for (const ram of [GiB, 2 * GiB]) {
      const s = validateScenario(
        {
          vm: { ram },
          workload: { kind: 'uniform', dirtyRate: rate },
          link: { bandwidth: '1Gbit/s', jitter: 0.3 },
          policy: [
            { kind: 'qemu', maxBandwidth: 0 },
            { kind: 'nova', downtimeDelay: 3, completionTimeout: 30, downtime: downtimeS, steps },
          ],
        },
        { file: 'test' },
      );
      const id = createHash('sha1').update(`base\nvm.ram=${ram}\nworkload.dirtyRate=${rate}`).digest('hex').slice(0, 16);
      for (let r = 0; r < 2; r++) out.push({ ...s, seed: fnv1a(`${seed}:${id}-${r}`) });
    }
  return out;
}

describe('a population axis drawn from a distribution', () => {
  const dir = tempDir();
  const file = tuneFile(dir, 'drawn', DRAWN);

  test('the axis holds the seeded draws, one per equal-probability slice; another seed draws others', () => {
    const values = (seed?: number) => (resolveTune(readTune(file), seed).grid?.variants[0]?.dims.find((d) => d.paths[0] === 'workload.dirtyRate')?.values ?? []).map((v) => v[0]);
    const atSeven = values();
    assert.deepEqual(atSeven, rates(7));
    // slices of a loguniform from 20 to 110 MiB/s: [20, 35.3), [35.3, 62.4), [62.4, 110) MiB/s (ratios of 5.5^(1/3))
    atSeven.forEach((v, i) => assert.ok(v >= 20 * MiB * 5.5 ** (i / 3) && v < 20 * MiB * 5.5 ** ((i + 1) / 3)));
    assert.deepEqual(values(8), rates(8));
    assert.notDeepEqual(values(8), atSeven);
  });

  test("a normal's sigma is a distance, not a value of the path: 0 (no RAM) is a valid sigma for vm.ram", () => {
    const text = DRAWN.replace('vm.ram: [1GiB, 2GiB]', 'vm.ram: { distribution: normal, mean: 2GiB, sigma: 0, samples: 1 }');
    const dims = resolveTune(readTune(tuneFile(dir, 'sigma0', text))).grid?.variants[0]?.dims;
    assert.deepEqual(dims?.find((d) => d.paths[0] === 'vm.ram')?.values, [[2 * GiB]]);
  });

  test("the tune's statistics are the drawn population's, and --check draws a fresh population with its seed", async () => {
    const out = join(dir, 'run');
    const r = await runTune({ file, out, budget: 50, workers: 0, ...quiet() });
    const best = r.bestJson;
    assert.ok(best !== null);
    const downtime = best.constants['policy[1].downtime'] as number;
    const steps = best.constants['policy[1].steps'] as number;
    const at7 = smallStats(population(7, downtime, steps).map((s) => simulate(s)));
    assert.deepEqual(best.statistics, { 'downtimeMs.p95': at7.downtimeP95, abortedShare: at7.abortedShare, 'totalTimeMs.mean': at7.totalMean });

    const check = await checkBest({ bestFile: join(out, 'best.json'), seed: 8, workers: 0, stdout: new Sink(), stderr: new Sink() });
    const at8 = smallStats(population(8, downtime, steps).map((s) => simulate(s)));
    assert.deepEqual(check.candidate.statistics, [at8.downtimeP95, at8.abortedShare, at8.totalMean]);
  });

  test('bad distributions exit 2 with the file, line, path and what was expected', () => {
    const bad = (name: string, text: string) => migsweep(['tune', tuneFile(dir, name, text), '--out', join(dir, `${name}-out`), '--workers', '1']);
    const unknown = bad('unknown', DRAWN.replace('distribution: loguniform', 'distribution: log-uniform'));
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.err,
      /unknown\.yaml:10:\d+: population\.axes\.workload\.dirtyRate\.distribution: expected one of uniform, loguniform, normal, lognormal, choice, found 'log-uniform'; did you mean 'loguniform'\?/,
    );
    const backwards = bad('backwards', DRAWN.replace('from: 20MiB/s, to: 110MiB/s', 'from: 110MiB/s, to: 20MiB/s'));
    assert.equal(backwards.code, 2);
    assert.match(backwards.err, /backwards\.yaml:10:\d+: population\.axes\.workload\.dirtyRate\.to: expected to above from, found from 110MiB\/s and to 20MiB\/s/);
    const unit = bad('unit', DRAWN.replace('from: 20MiB/s', 'from: 20GiB'));
    assert.equal(unit.code, 2);
    assert.match(unit.err, /unit\.yaml:10:\d+: population\.axes\.workload\.dirtyRate\.from: workload\.dirtyRate: expected a rate .*found '20GiB'/);
    const noSamples = bad('nosamples', DRAWN.replace(', samples: 3', ''));
    assert.equal(noSamples.code, 2);
    assert.match(noSamples.err, /population\.axes\.workload\.dirtyRate\.samples: missing; expected how many values to draw/);
    const repeats = bad('repeats', DRAWN.replace(/workload\.dirtyRate: \{[^}]*\}/, 'workload.kind: { distribution: choice, values: [uniform, uniform], samples: 2 }'));
    assert.equal(repeats.code, 2);
    assert.match(repeats.err, /population\.axes\.workload\.kind: its 2 draws repeat values \(a choice draws with replacement\)/);
  });
});
