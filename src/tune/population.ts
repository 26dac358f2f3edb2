/**
 * A tune population's distributions (docs/tune.md#distributions): an axis
 * written `{ distribution: lognormal, median: 100MiB/s, sigma: 1, samples:
 * 50 }` becomes the list of its `samples` draws (one in each of as many
 * equal-probability slices; src/scenario/distribution.ts), seeded from the
 * population seed and the axis's path, before the sweep resolver expands the
 * population. Another seed (`tune --check --seed`) draws another population.
 */
import { InputError } from '../common/errors.js';
import { hashString, Random } from '../engine/random.js';
import type { ParseResult } from '../scenario/quantity.js';
import { drawStratified, isDistributionSpec, readDistribution } from '../scenario/distribution.js';
import { canonical } from '../sweep/origins.js';
import { getPath, parsePath, setPath, type PathSegment } from '../scenario/path.js';
import { validateScenario } from '../scenario/validate.js';
import type { AxisSpec } from '../sweep/types.js';
import type { PopulationAxisSpec } from './types.js';

/** A value written for `path`, in base units: set on the base as written and read back from the validated scenario. */
export function valueForPath(base: Record<string, unknown>, path: string, value: unknown, file: string): ParseResult {
  const raw = structuredClone(base);
  const why = setPath(raw, parsePath(path) ?? [], value);
  if (why !== null) return { ok: false, reason: `cannot set ${path}: ${why}` };
  try {
    const s = validateScenario(raw, { file });
    const v = getPath(s, canonical(parsePath(path) ?? []));
    return typeof v === 'number' ? { ok: true, value: v } : { ok: false, reason: `${path} does not hold a number` };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const first = e.problems[0];
    return { ok: false, reason: `${String(first?.path ?? path)}: ${first?.message ?? 'not valid'}` };
  }
}

export interface DrawnPopulation {
  axes: Record<string, AxisSpec> | undefined;
  zip: Record<string, AxisSpec>[] | undefined;
  /** problems with a distribution: where (in the tune file) and what */
  problems: { where: PathSegment[]; message: string }[];
  /** the paths drawn from a distribution */
  drawn: string[];
}

/** The population's axes with every distribution replaced by its draws. */
export function drawPopulation(
  base: Record<string, unknown>,
  population: { axes?: Record<string, PopulationAxisSpec>; zip?: Record<string, PopulationAxisSpec>[] } | undefined,
  seed: number,
  file: string,
): DrawnPopulation {
  const problems: DrawnPopulation['problems'] = [];
  const drawn: string[] = [];
  const expand = (group: Record<string, PopulationAxisSpec>, where: PathSegment[], alone: boolean): Record<string, AxisSpec> => {
    const out: Record<string, AxisSpec> = {};
    for (const [path, axis] of Object.entries(group)) {
      if (!isDistributionSpec(axis)) {
        out[path] = axis;
        continue;
      }
      const at = [...where, path];
      const read = readDistribution(axis, (v) => valueForPath(base, path, v, file), 'required');
      if (!read.ok) {
        for (const p of read.problems) problems.push({ where: p.key === undefined ? at : [...at, p.key], message: p.message });
        continue;
      }
      const values = drawStratified(read.distribution, read.samples ?? 1, new Random(hashString(`population:${path}`, seed)));
      const keys = values.map((v) => JSON.stringify(v));
      if (alone && new Set(keys).size < keys.length) {
        problems.push({
          where: at,
          message: `its ${values.length} draws repeat values (${read.distribution.kind === 'choice' ? 'a choice draws with replacement' : 'round: true'}), and an axis's values must differ: put it in a zip group with another distribution of as many samples, or list the values`,
        });
        continue;
      }
      drawn.push(path);
      out[path] = values;
    }
    return out;
  };
  const axes = population?.axes === undefined ? undefined : expand(population.axes, ['population', 'axes'], true);
  const zip = population?.zip?.map((g, i) => expand(g, ['population', 'zip', i], false));
  return { axes, zip, problems, drawn };
}
