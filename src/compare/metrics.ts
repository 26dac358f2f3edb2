/**
 * The metrics `migsweep compare` can compare, which way each is better, and
 * how the options (`--threshold 5%`, `--alpha 0.01`, `--metrics ...`) are
 * read.
 */
import { InputError, suggest } from '../common/errors.js';
import type { Better } from './types.js';

/** Metric columns of runs.csv, and `completedShare` (the outcome, always compared). */
export const COMPARABLE_METRICS: Readonly<Record<string, Better>> = {
  downtimeMs: 'lower',
  totalTimeMs: 'lower',
  transferFactor: 'lower',
  completedShare: 'higher',
  transferredBytes: 'lower',
  wireBytes: 'lower',
  // the policy's promise: a change says the estimate moved, not that the migration got better or worse
  expectedDowntimeMs: 'none',
  syncs: 'none',
  passes: 'none',
  maxThrottlePct: 'lower',
  throttleCpuSeconds: 'lower',
  postcopyMs: 'lower',
  postcopyFaults: 'lower',
  postcopyBlockedMs: 'lower',
};

/** What the issue asks for: downtime, total time, transfer factor and the completed share. */
export const DEFAULT_METRICS = ['downtimeMs', 'totalTimeMs', 'transferFactor', 'completedShare'] as const;
export const DEFAULT_THRESHOLD = 0.05;
export const DEFAULT_BENCH_THRESHOLD = 0.1;
export const DEFAULT_ALPHA = 0.01;

function bad(flag: string, message: string): never {
  throw new InputError(flag, [{ path: '', message }]);
}

/** `5%` or `0.05` (a fraction); a bare number above 1 is refused, since 5 could mean 5% or 500%. */
export function parseFraction(text: string, flag: string, example: string): number {
  const t = text.trim();
  const percent = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/.exec(t);
  const value = percent ? Number(percent[1]) / 100 : /^(\d+(?:\.\d+)?|\.\d+)$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(value)) bad(flag, `expected a share such as ${example}, found '${text}'`);
  if (!percent && value > 1) bad(flag, `expected a share such as ${example}, found '${text}': write ${t}% for percent`);
  return value;
}

export function parseThreshold(text: string): number {
  return parseFraction(text, '--threshold', '5% or 0.05');
}

export function parseAlpha(text: string): number {
  const a = parseFraction(text, '--alpha', '0.01 or 1%');
  if (a <= 0 || a >= 1) bad('--alpha', `expected a false-alarm rate between 0 and 1 (exclusive), such as 0.01, found '${text}'`);
  return a;
}

/** `--metrics downtimeMs,totalTimeMs` (repeatable); unknown names are refused with the nearest known one. */
export function parseMetrics(list: readonly string[]): string[] {
  const names = list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const known = Object.keys(COMPARABLE_METRICS);
  const problems = names
    .filter((n) => !(n in COMPARABLE_METRICS))
    .map((n) => ({ path: '', message: `unknown metric '${n}'${suggest(n, known)}; expected some of ${known.join(', ')}` }));
  if (problems.length > 0) throw new InputError('--metrics', problems);
  if (names.length === 0) bad('--metrics', `expected one or more of ${known.join(', ')}`);
  return [...new Set(names)];
}

/** Whether a relative change of a mean is beyond the threshold (an infinite one, from a mean of 0, always is). */
export function beyond(relative: number | null, threshold: number): boolean {
  return relative !== null && Math.abs(relative) > threshold;
}
