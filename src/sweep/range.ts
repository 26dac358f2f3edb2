/**
 * Expanding an axis as written into its values: a list stays as it is; a
 * range `{ from, to, steps | step, scale, round }` becomes numbers in base
 * units. Whether the values suit the scenario path is checked later, by the
 * scenario validator (resolve.ts).
 */
import { parseQuantity, type Dimension } from '../scenario/quantity.js';
import type { AxisSpec, RangeSpec } from './types.js';

/** The most values one range may produce (a typo guard: `step: 1` over bytes). */
export const MAX_RANGE_VALUES = 10_000_000;

export interface ExpandedAxis {
  values: unknown[];
  /** true for a range: the values are generated numbers, not written in the file */
  generated: boolean;
}

/** A problem with a range, at a key of the range mapping (`from`, `to`, `steps`, ...) or the range itself (''). */
export interface RangeProblem {
  key: '' | keyof RangeSpec;
  message: string;
}

export class RangeSpecError extends Error {
  constructor(readonly problem: RangeProblem) {
    super(problem.message);
  }
}

export function isRange(spec: AxisSpec): spec is RangeSpec {
  return !Array.isArray(spec);
}

/** A range endpoint or step in base units, and its dimension (null for a bare number). */
interface Endpoint {
  value: number;
  dim: Dimension | null;
}

const DIM_WORDS: Record<Dimension, string> = { bytes: 'a size', rate: 'a rate', time: 'a duration' };

function endpoint(v: number | string, key: keyof RangeSpec): Endpoint {
  if (typeof v === 'number') return { value: v, dim: null };
  for (const dim of ['bytes', 'rate', 'time'] as Dimension[]) {
    const r = parseQuantity(v, dim);
    if (r.ok) return { value: r.value, dim: /^\s*[+-]?[\d.]+(?:[eE][+-]?\d+)?\s*$/.test(v) ? null : dim };
  }
  throw new RangeSpecError({ key, message: `expected a number or a quantity such as 1MiB/s, 100Mbit/s, 4GiB or 30ms, found '${v}'` });
}

function sameDimension(a: Endpoint, b: Endpoint, key: keyof RangeSpec, what: string): void {
  if (a.dim !== null && b.dim !== null && a.dim !== b.dim)
    throw new RangeSpecError({ key, message: `${what} is ${DIM_WORDS[b.dim]} but from is ${DIM_WORDS[a.dim]}; both ends of a range need the same unit kind` });
}

/** Expand an axis; a range problem throws RangeSpecError naming the key at fault. */
export function expandAxis(spec: AxisSpec): ExpandedAxis {
  if (!isRange(spec)) return { values: spec, generated: false };
  const from = endpoint(spec.from, 'from');
  const to = endpoint(spec.to, 'to');
  sameDimension(from, to, 'to', 'to');
  const scale = spec.scale ?? 'linear';
  let values: number[];
  if (scale === 'log') {
    if (spec.step !== undefined) throw new RangeSpecError({ key: 'step', message: 'a log range takes steps (how many values), not step; equal ratios between values' });
    if (spec.steps === undefined) throw new RangeSpecError({ key: '', message: 'missing steps: a log range needs the number of values, e.g. steps: 12' });
    if (!(from.value > 0)) throw new RangeSpecError({ key: 'from', message: `a log range needs from > 0, found ${String(spec.from)}` });
    if (!(to.value > 0)) throw new RangeSpecError({ key: 'to', message: `a log range needs to > 0, found ${String(spec.to)}` });
    values = logSpace(from.value, to.value, spec.steps);
  } else if (spec.steps !== undefined && spec.step !== undefined) {
    throw new RangeSpecError({ key: 'step', message: 'give either steps (how many values) or step (the distance between them), not both' });
  } else if (spec.steps !== undefined) {
    values = linSpace(from.value, to.value, spec.steps);
  } else if (spec.step !== undefined) {
    const step = endpoint(spec.step, 'step');
    sameDimension(from, step, 'step', 'step');
    values = stepSpace(from.value, to.value, step.value, spec.step);
  } else {
    throw new RangeSpecError({ key: '', message: 'missing steps (how many values) or step (the distance between them)' });
  }
  if (spec.round) values = roundValues(values);
  return { values, generated: true };
}

/**
 * n values from a to b with equal ratios; both ends exact. Computed as
 * powers of 2 so that a range of doublings (1MiB/s to 4GiB/s in 13 steps)
 * gives exact powers of two.
 */
export function logSpace(a: number, b: number, n: number): number[] {
  const octaves = Math.log2(b / a);
  return Array.from({ length: n }, (_, i) => (i === 0 ? a : i === n - 1 ? b : a * 2 ** ((octaves * i) / (n - 1))));
}

/** n values from a to b with equal differences; both ends exact. */
export function linSpace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? b : a + ((b - a) * i) / (n - 1)));
}

/** a, a + step, ... up to b (included when it lands on the grid, within rounding). */
function stepSpace(a: number, b: number, step: number, written: number | string): number[] {
  if (step === 0 || !Number.isFinite(step)) throw new RangeSpecError({ key: 'step', message: `expected a step other than 0, found ${String(written)}` });
  if ((b - a) / step < 0) throw new RangeSpecError({ key: 'step', message: `step ${String(written)} goes away from to; from + k x step never reaches it` });
  const n = Math.floor((b - a) / step + 1e-9) + 1;
  if (n > MAX_RANGE_VALUES) throw new RangeSpecError({ key: 'step', message: `step ${String(written)} makes ${n} values (at most ${MAX_RANGE_VALUES}); use a larger step` });
  if (n < 2) throw new RangeSpecError({ key: 'step', message: `step ${String(written)} is larger than the range; it gives a single value` });
  return Array.from({ length: n }, (_, i) => (Math.abs(a + i * step - b) <= Math.abs(step) * 1e-9 ? b : a + i * step));
}

function roundValues(values: number[]): number[] {
  const out = values.map((v) => Math.round(v));
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new RangeSpecError({ key: 'round', message: `rounding makes values repeat (${out[i - 1]}, ${out[i]}); use fewer steps or a wider range` });
  }
  return out;
}
