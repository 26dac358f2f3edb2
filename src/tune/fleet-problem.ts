/**
 * A tune whose base is a fleet (docs/tune.md#a-fleet-as-the-base): the
 * population is a sweep over fleets' axes (src/fleet/sweep-spec.ts: lists
 * and ranges on fleet paths, every fleet checked by the fleet validator)
 * times replicates, each fleet with its own seed (so VM values drawn per
 * copy, `oneOf` or a distribution, are drawn again per replicate and per
 * --check seed); the search paths are fleet paths holding a number or a
 * quantity (orchestrator.maxParallel, hosts.src.nic, defaults.policy[1].steps).
 */
import { InputError, suggest } from '../common/errors.js';
import { describeFound } from '../common/errors.js';
import { parseAnyQuantity } from '../scenario/distribution.js';
import type { SourceDocument } from '../scenario/document.js';
import { formatPathSegments, getPath, parsePath, type PathSegment } from '../scenario/path.js';
import { fleetAt, readFleetSweep } from '../fleet/sweep-spec.js';
import { taskIdOf, taskSeed } from '../sweep/grid.js';
import { isPrefix } from '../sweep/origins.js';
import { searchDim, type SearchDim, type TunePopulation } from './problem.js';
import type { TuneSource } from './spec.js';

/** Orchestrator limits and copy counts: whole numbers, searched as such without `round`. */
const COUNT_KEYS = ['maxParallel', 'maxOutboundPerHost', 'maxInboundPerHost', 'count'];

export function resolveFleetTune(
  source: TuneSource,
  name: string,
  replicates: number,
  doc: SourceDocument,
  flag: (where: PathSegment[], message: string) => void,
): { population: TunePopulation; dims: SearchDim[] } {
  const { spec, file } = source;
  let sweep;
  try {
    sweep = readFleetSweep({ name, base: spec.base, axes: spec.population?.axes, zip: spec.population?.zip }, file, doc);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(
      file,
      e.problems.map((p) => (/^(axes|zip)\b/.test(p.path) ? { ...p, path: `population.${p.path}` } : p)),
    );
  }
  const fleets = sweep;
  const population: TunePopulation = {
    points: fleets.count,
    runs: fleets.count * replicates,
    items: (seed) => {
      const out: unknown[] = [];
      for (let i = 0; i < fleets.count; i++) {
        const fleet = fleetAt(fleets, i);
        for (let r = 0; r < replicates; r++) out.push({ ...fleet, seed: taskSeed(seed, taskIdOf(`fleet-${i}`, r)) });
      }
      return out;
    },
  };

  const swept = fleets.axes.flatMap((a) => a.paths).map((p) => parsePath(p) ?? []);
  const dims: SearchDim[] = [];
  for (const [path, dimSpec] of Object.entries(spec.search)) {
    const where: PathSegment[] = ['search', path];
    const segs = parsePath(path) ?? [];
    const axis = swept.find((p) => isPrefix(p, segs) || isPrefix(segs, p));
    if (axis) {
      flag(where, `${path} is also a population axis (${formatPathSegments(axis)}); a path is either searched or part of the population`);
      continue;
    }
    const current = getPath(spec.base, segs);
    if (current === undefined) {
      const parent = getPath(spec.base, segs.slice(0, -1));
      const keys = parent !== null && typeof parent === 'object' ? Object.keys(parent) : [];
      const last = segs[segs.length - 1];
      flag(
        where,
        `the fleet has no ${path}${typeof last === 'string' ? suggest(last, keys) : ''}${keys.length ? ` (${formatPathSegments(segs.slice(0, -1)) || 'the top level'} has: ${keys.join(', ')})` : ''}`,
      );
      continue;
    }
    if (!parseAnyQuantity(current).ok) {
      flag(where, `expected a path to a number or a quantity (a limit, a size, a rate, a time), found ${describeFound(current)} at ${path}`);
      continue;
    }
    const parse = (value: unknown, at: PathSegment[]): number | null => {
      const r = parseAnyQuantity(value);
      if (r.ok) return r.value;
      flag(at, r.reason);
      return null;
    };
    const dim = searchDim(path, segs, dimSpec, COUNT_KEYS.includes(String(segs[segs.length - 1])), parse, flag);
    if (dim !== null) dims.push(dim);
  }
  return { population, dims };
}
