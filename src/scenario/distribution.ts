/**
 * Seeded distributions of a scenario value (docs/tune.md#distributions): a tune
 * population's axis draws `samples` values from one, a fleet's VM item draws
 * one value per copy. Written as a mapping with a `distribution` key:
 *
 *   { distribution: uniform, from: 4GiB, to: 64GiB }
 *   { distribution: loguniform, from: 10MiB/s, to: 1GiB/s }
 *   { distribution: normal, mean: 30s, sigma: 5s, min: 0 }
 *   { distribution: lognormal, median: 100MiB/s, sigma: 1 }
 *   { distribution: choice, values: [a, b, c], weights: [1, 2, 1] }
 *
 * Every draw goes through the inverse of the distribution function (its
 * quantile), so a value is a pure function of one uniform number: the
 * seeded generator (src/engine/random.ts) decides everything, and `samples`
 * draws can be stratified (one in each of `samples` equal-probability
 * slices), which represents a distribution's tails with few draws far more
 * evenly than independent draws do. The normal quantile and distribution
 * function are stdlib's (@stdlib/stats-base-dists-normal-quantile, -cdf).
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { describeFound, suggest } from '../common/errors.js';
import type { Random } from '../engine/random.js';
import { parseQuantity, type Dimension, type ParseResult } from './quantity.js';

const PARAMS = {
  uniform: ['from', 'to'],
  loguniform: ['from', 'to'],
  normal: ['mean', 'sigma', 'min', 'max'],
  lognormal: ['median', 'sigma', 'min', 'max'],
  choice: ['values', 'weights'],
} as const;

export type DistributionKind = keyof typeof PARAMS;
export const DISTRIBUTION_KINDS = Object.keys(PARAMS) as DistributionKind[];

export interface Distribution {
  kind: DistributionKind;
  /** the value at cumulative probability u in [0, 1): the distribution's quantile */
  at(u: number): unknown;
}

/** A problem with a distribution: the key it is at (none: the mapping itself) and what was expected. */
export interface DistributionProblem {
  key?: string;
  message: string;
}

export type ReadDistribution = { ok: true; distribution: Distribution; samples: number | null } | { ok: false; problems: DistributionProblem[] };

/** Whether a value is written as a distribution: a mapping with a `distribution` key. */
export function isDistributionSpec(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'distribution' in v;
}

/** A quantity of any dimension (size, rate, duration) or a plain number, in base units: for places that do not know their unit. */
export function parseAnyQuantity(v: unknown): ParseResult {
  if (typeof v === 'number') return parseQuantity(v, 'bytes');
  for (const dim of ['bytes', 'rate', 'time'] as Dimension[]) {
    const r = parseQuantity(v, dim);
    if (r.ok) return r;
  }
  return { ok: false, reason: `expected a number or a quantity (4GiB, 100MiB/s, 30s), found ${describeFound(v)}` };
}

/**
 * Read a distribution as written. `parseValue` turns its values (from, to,
 * mean, median, min, max, a normal's sigma) into numbers in the unit of the
 * place it is drawn for; `samples` says whether the place wants a number of
 * draws (a population axis) or draws one value (a fleet VM).
 */
export function readDistribution(
  raw: Record<string, unknown>,
  parseValue: (v: unknown) => ParseResult,
  samples: 'required' | 'forbidden',
  /** a normal's sigma: a distance, not a value of the place (0 is a valid sigma where it is not a valid RAM); default parseAnyQuantity */
  parseSpread: (v: unknown) => ParseResult = parseAnyQuantity,
): ReadDistribution {
  const problems: DistributionProblem[] = [];
  const kind = raw.distribution;
  if (typeof kind !== 'string' || !(kind in PARAMS))
    return {
      ok: false,
      problems: [
        {
          key: 'distribution',
          message: `expected one of ${DISTRIBUTION_KINDS.join(', ')}, found ${describeFound(kind)}${typeof kind === 'string' ? suggest(kind, DISTRIBUTION_KINDS) : ''}`,
        },
      ],
    };
  const k = kind as DistributionKind;
  const allowed: string[] = ['distribution', ...(samples === 'required' ? ['samples'] : []), ...PARAMS[k], ...(k === 'choice' ? [] : ['round'])];
  for (const key of Object.keys(raw))
    if (!allowed.includes(key)) {
      const why = key === 'samples' ? ': each copy draws one value here' : '';
      problems.push({ key, message: `unknown key '${key}' for a ${k} distribution${why}${suggest(key, allowed)} (allowed here: ${allowed.join(', ')})` });
    }

  let n: number | null = null;
  if (samples === 'required') {
    const s = raw.samples;
    if (typeof s === 'number' && Number.isInteger(s) && s >= 1) n = s;
    else
      problems.push({
        key: 'samples',
        message: `${s === undefined ? 'missing; ' : ''}expected how many values to draw, a whole number of at least 1${s === undefined ? '' : `, found ${describeFound(s)}`}`,
      });
  }
  const num = (key: string, required: boolean, parse = parseValue): number | null => {
    const v = raw[key];
    if (v === undefined) {
      if (required) problems.push({ key, message: `missing; a ${k} distribution needs ${PARAMS[k].filter((p) => p !== 'min' && p !== 'max' && p !== 'weights').join(' and ')}` });
      return null;
    }
    const r = parse(v);
    if (!r.ok) {
      problems.push({ key, message: r.reason });
      return null;
    }
    return r.value;
  };
  const round = raw.round;
  if (round !== undefined && typeof round !== 'boolean') problems.push({ key: 'round', message: `expected true or false, found ${describeFound(round)}` });
  const finish = round === true ? (x: number) => Math.round(x) : (x: number) => x;

  let at: ((u: number) => unknown) | null = null;
  if (k === 'uniform' || k === 'loguniform') {
    const from = num('from', true);
    const to = num('to', true);
    if (from !== null && to !== null) {
      if (!(from < to))
        problems.push({
          key: 'to',
          message: `expected to above from, found from ${String(raw.from)} and to ${String(raw.to)}${from === to ? ' (one value: write it directly)' : ''}`,
        });
      else if (k === 'loguniform' && !(from > 0)) problems.push({ key: 'from', message: `a loguniform distribution needs from > 0, found ${String(raw.from)}` });
      else at = k === 'uniform' ? (u) => finish(from + (to - from) * u) : (u) => finish(from * (to / from) ** u);
    }
  } else if (k === 'normal' || k === 'lognormal') {
    const centre = num(k === 'normal' ? 'mean' : 'median', true);
    // a normal's sigma is in the value's unit; a lognormal's is of the logarithm, a plain number
    const sigma = k === 'normal' ? num('sigma', true, parseSpread) : plainSigma(raw.sigma, problems);
    const min = num('min', false);
    const max = num('max', false);
    if (sigma !== null && sigma < 0) problems.push({ key: 'sigma', message: `expected a sigma of at least 0, found ${String(raw.sigma)}` });
    if (k === 'lognormal' && centre !== null && !(centre > 0))
      problems.push({ key: 'median', message: `a lognormal distribution needs a median above 0, found ${String(raw.median)}` });
    if (min !== null && max !== null && !(min < max)) problems.push({ key: 'max', message: `expected max above min, found min ${String(raw.min)} and max ${String(raw.max)}` });
    if (centre !== null && sigma !== null && problems.length === 0) {
      // on the normal's own scale (the logarithm's for a lognormal); bounds truncate it: u spans only the probability between them
      const mu = k === 'normal' ? centre : Math.log(centre);
      const toScale = (x: number) => (k === 'normal' ? x : Math.log(Math.max(x, 0)));
      const fromScale = (z: number) => (k === 'normal' ? z : Math.exp(z));
      const lo = min === null || sigma === 0 ? 0 : normalCdf(toScale(min), mu, sigma);
      const hi = max === null || sigma === 0 ? 1 : normalCdf(toScale(max), mu, sigma);
      if (sigma > 0 && !(hi > lo)) problems.push({ key: min === null ? 'max' : 'min', message: `min and max leave no probability to draw from (between them: ${hi - lo})` });
      else
        at = (u) => {
          let x = sigma === 0 ? centre : fromScale(normalQuantile(lo + (hi - lo) * u, mu, sigma));
          if (min !== null) x = Math.max(min, x);
          if (max !== null) x = Math.min(max, x);
          return finish(x);
        };
    }
  } else {
    const values = raw.values;
    const weights = raw.weights;
    if (!Array.isArray(values) || values.length === 0)
      problems.push({ key: 'values', message: `expected a list of at least one value to choose from, found ${describeFound(values)}` });
    else if (weights !== undefined && (!Array.isArray(weights) || weights.length !== values.length || weights.some((w) => typeof w !== 'number' || !(w >= 0))))
      problems.push({ key: 'weights', message: `expected ${values.length} weights of at least 0, one per value, found ${describeFound(weights)}` });
    else {
      const w = (weights as number[] | undefined) ?? values.map(() => 1);
      const total = w.reduce((a, b) => a + b, 0);
      if (!(total > 0)) problems.push({ key: 'weights', message: 'expected weights that add up to more than 0, found all 0' });
      else {
        // value i takes the slice of [0, 1) its weight's share gives it
        const upTo: number[] = [];
        let c = 0;
        for (const x of w) upTo.push((c += x) / total);
        at = (u) =>
          values[
            Math.min(
              values.length - 1,
              upTo.findIndex((e) => u < e),
            )
          ];
      }
    }
  }
  if (problems.length > 0 || at === null) return { ok: false, problems };
  return { ok: true, distribution: { kind: k, at }, samples: n };
}

function plainSigma(v: unknown, problems: DistributionProblem[]): number | null {
  if (v === undefined) {
    problems.push({ key: 'sigma', message: 'missing; a lognormal distribution needs median and sigma (of the logarithm: 1 spreads over a factor e)' });
    return null;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  problems.push({ key: 'sigma', message: `expected the logarithm's standard deviation, a plain number (1 spreads over a factor e), found ${describeFound(v)}` });
  return null;
}

/** One value drawn from a distribution. */
export function drawOne(d: Distribution, rng: Random): unknown {
  return d.at(rng.next());
}

/** n values, one drawn in each of n equal-probability slices, in the slices' order (ascending for a numeric distribution). */
export function drawStratified(d: Distribution, n: number, rng: Random): unknown[] {
  return Array.from({ length: n }, (_, i) => d.at((i + rng.next()) / n));
}
