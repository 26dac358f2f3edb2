/** Shared by the tune tests: a small tune problem, its population rebuilt independently, type-7 quantiles written out. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateScenario } from '../../src/scenario/validate.js';
import type { RunResult, Scenario } from '../../src/engine/types.js';
import { fnv1a } from '../sweep/helpers.js';
import { simulate } from '../../src/engine/simulate.js';

export { CLI, migsweep, read, Sink, tempDir } from '../sweep/helpers.js';

/**
 * A 12-point space (3 downtimes x 4 step counts) over a 3 x 2 population
 * with 2 replicates; the link's jitter makes every seed matter.
 */
export const SMALL = `name: small
seed: 7
base:
  vm: { ram: 1GiB }
  workload: { kind: uniform, dirtyRate: 100MiB/s }
  link: { bandwidth: 1Gbit/s, jitter: 0.3 }
  policy: [{ kind: qemu, maxBandwidth: 0 }, { kind: nova, downtimeDelay: 3, completionTimeout: 30 }]
population:
  axes:
    workload.dirtyRate: [20MiB/s, 60MiB/s, 110MiB/s]
    vm.ram: [1GiB, 2GiB]
  replicates: 2
search:
  policy[1].downtime: [100ms, 300ms, 1s]
  policy[1].steps: { from: 3, to: 6, round: true }
constraints: ["downtimeMs.p95 <= 600ms", "abortedShare <= 0.2"]
objective: { minimize: totalTimeMs.mean }
`;

export const SMALL_DOWNTIMES = ['100ms', '300ms', '1s'];
export const SMALL_DOWNTIMES_S = [0.1, 0.3, 1];
export const SMALL_STEPS = [3, 4, 5, 6];
const RATES = ['20MiB/s', '60MiB/s', '110MiB/s'];
const RAMS = ['1GiB', '2GiB'];

export function tuneFile(dir: string, name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

/**
 * The population of SMALL with given constants, built here from the file's
 * values: each point's id is the SHA-1 of `base` and its sorted
 * `path=value` lines (base units), each run's seed FNV-1a of
 * `seed:id-replicate` (docs/sweeps.md's seeds).
 */
export function smallPopulation(downtime: string, steps: number, seed = 7): Scenario[] {
  const out: Scenario[] = [];
  for (const rate of RATES)
    for (const ram of RAMS) {
      const raw = {
        vm: { ram },
        workload: { kind: 'uniform', dirtyRate: rate },
        link: { bandwidth: '1Gbit/s', jitter: 0.3 },
        policy: [
          { kind: 'qemu', maxBandwidth: 0 },
          { kind: 'nova', downtimeDelay: 3, completionTimeout: 30, downtime, steps },
        ],
      };
      const s = validateScenario(raw, { file: 'test' });
      const id = createHash('sha1').update(`base\nvm.ram=${s.vm.ram}\nworkload.dirtyRate=${s.workload.dirtyRate}`).digest('hex').slice(0, 16);
      for (let r = 0; r < 2; r++) out.push({ ...s, seed: fnv1a(`${seed}:${id}-${r}`) });
    }
  return out;
}

/** The p-quantile of sorted numbers by linear interpolation between order statistics (R type 7). */
export function type7(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  return lo + 1 < sorted.length ? a + (h - lo) * ((sorted[lo + 1] as number) - a) : a;
}

/**
 * A sum with Neumaier's compensation (Kahan-Babuska), the summation
 * simple-statistics' mean uses: a plain left-to-right sum can differ from it
 * in the last bit.
 */
export function compensatedSum(xs: number[]): number {
  let sum = 0;
  let c = 0;
  for (const x of xs) {
    const t = sum + x;
    c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return sum + c;
}

export interface SmallStats {
  downtimeP95: number;
  abortedShare: number;
  totalMean: number;
}

export function smallStats(results: RunResult[]): SmallStats {
  const downtimes = results
    .filter((r) => Number.isFinite(r.downtimeMs))
    .map((r) => r.downtimeMs)
    .sort((a, b) => a - b);
  return {
    downtimeP95: downtimes.length ? type7(downtimes, 0.95) : NaN,
    abortedShare: results.filter((r) => r.outcome === 'aborted').length / results.length,
    totalMean: compensatedSum(results.map((r) => r.totalTimeMs)) / results.length,
  };
}

/** Every point of SMALL's 12-point grid in the file's order (downtime slowest), simulated here over the population. */
export function smallGrid(seed = 7): { downtime: number; steps: number; stats: SmallStats }[] {
  const grid: { downtime: number; steps: number; stats: SmallStats }[] = [];
  SMALL_DOWNTIMES.forEach((d, i) => {
    for (const steps of SMALL_STEPS) grid.push({ downtime: SMALL_DOWNTIMES_S[i] as number, steps, stats: smallStats(smallPopulation(d, steps, seed).map((s) => simulate(s))) });
  });
  return grid;
}
