/**
 * Population statistics a constraint or an objective names: `metric.stat`
 * (downtimeMs.p99, totalTimeMs.mean) over every run of the population, or a
 * share of outcomes (abortedShare). Quantiles are simple-statistics'
 * `quantileSorted`: linear interpolation between order statistics (R's and
 * numpy's default, type 7). A metric's statistic is over the runs where it
 * is a number: downtimeMs only over completed migrations (the engine gives
 * NaN otherwise), so pair a downtime constraint with abortedShare or
 * completedShare.
 */
import { mean, quantileSorted } from 'simple-statistics';
import { METRIC_COLUMNS } from '../scenario/flatten.js';
import { suggest } from '../common/errors.js';
import { parseQuantity } from '../scenario/quantity.js';

/** The numeric metrics of a run (runs.csv's metric columns without outcome and stopReason). */
export const RUN_METRICS = METRIC_COLUMNS.filter((c) => c !== 'outcome' && c !== 'stopReason');
export type RunMetric = (typeof RUN_METRICS)[number];
export const STATS = ['mean', 'median', 'p95', 'p99', 'max', 'min'] as const;
export type Stat = (typeof STATS)[number];
export const SHARES = ['completedShare', 'abortedShare', 'unfinishedShare'] as const;
export const OUTCOMES = ['completed', 'aborted', 'unfinished'] as const;
/** Per run: the metrics, then the outcome's index in OUTCOMES (3 = the engine threw). */
export const RUN_WIDTH = RUN_METRICS.length + 1;
export const OUTCOME_ERROR = 3;

/**
 * What one run of the population records: a single migration (runs.csv's
 * metrics) or, with a fleet as the base, a whole fleet (the fleet columns
 * of a sweep over fleets' runs.csv: makespanMs, downtimeMsP99, ...). A run
 * is `width` numbers: the metrics, then the outcome's index in OUTCOMES.
 */
export interface RunTable {
  kind: 'scenario' | 'fleet';
  metrics: readonly string[];
  width: number;
}

export const SCENARIO_RUNS: RunTable = { kind: 'scenario', metrics: RUN_METRICS, width: RUN_WIDTH };

/** A statistic over the population: a metric's stat or a share of outcomes. */
export type Statistic = { name: string; metric: number; stat: Stat } | { name: string; share: number };

/** Parse `downtimeMs.p99` or `abortedShare`; a reason naming the nearest valid name otherwise. */
export function parseStatistic(text: string, table: RunTable = SCENARIO_RUNS): { ok: true; statistic: Statistic } | { ok: false; reason: string } {
  const t = text.trim();
  const share = (SHARES as readonly string[]).indexOf(t);
  if (share >= 0) return { ok: true, statistic: { name: t, share } };
  const dot = t.lastIndexOf('.');
  const metric = dot < 0 ? t : t.slice(0, dot);
  const stat = dot < 0 ? '' : t.slice(dot + 1);
  const names = [...table.metrics, ...SHARES];
  const m = table.metrics.indexOf(metric);
  if (m < 0) {
    if (dot < 0 && (SHARES as readonly string[]).some((s) => suggest(t, [s]) !== ''))
      return { ok: false, reason: `unknown statistic '${t}'${suggest(t, [...SHARES])} (shares: ${SHARES.join(', ')})` };
    return { ok: false, reason: `unknown metric '${metric}'${suggest(metric, names)} (metrics: ${table.metrics.join(', ')}; shares: ${SHARES.join(', ')})` };
  }
  if (!(STATS as readonly string[]).includes(stat))
    return { ok: false, reason: `unknown statistic '${stat}' of ${metric}${stat ? suggest(stat, STATS) : ''}; expected ${metric}.<${STATS.join('|')}>` };
  return { ok: true, statistic: { name: `${metric}.${stat}`, metric: m, stat: stat as Stat } };
}

/** What unit a statistic's limit is written in: times in ms, sizes in bytes, shares and counts as numbers. */
export function parseLimit(statistic: Statistic, text: string, table: RunTable = SCENARIO_RUNS): { ok: true; value: number } | { ok: false; reason: string } {
  const t = text.trim();
  if ('share' in statistic) {
    const pct = /^([\d.]+(?:[eE][+-]?\d+)?)\s*%$/.exec(t);
    const v = pct ? Number(pct[1]) / 100 : Number(t);
    if (t === '' || !Number.isFinite(v) || v < 0 || v > 1) return { ok: false, reason: `expected a share from 0 to 1 (or 0% to 100%), found '${t}'` };
    return { ok: true, value: v };
  }
  const metric = table.metrics[statistic.metric] as string;
  // ms at the end or before a statistic's name (a fleet's downtimeMsP99, queuedMsMax)
  if (/Ms(?:$|[A-Z])/.test(metric)) {
    // a bare number is in the metric's own unit (ms)
    if (/^[+-]?[\d.]+(?:[eE][+-]?\d+)?$/.test(t)) return { ok: true, value: Number(t) };
    const r = parseQuantity(t, 'time');
    return r.ok ? { ok: true, value: r.value * 1000 } : { ok: false, reason: `${metric} is a time: ${r.reason}` };
  }
  if (metric.endsWith('Seconds')) {
    const r = parseQuantity(t, 'time'); // a bare number is seconds, the metric's unit
    return r.ok ? r : { ok: false, reason: `${metric} is a time: ${r.reason}` };
  }
  if (metric.endsWith('Bytes')) {
    const r = parseQuantity(t, 'bytes');
    return r.ok ? r : { ok: false, reason: `${metric} is a size: ${r.reason}` };
  }
  const v = Number(t);
  return t !== '' && Number.isFinite(v) ? { ok: true, value: v } : { ok: false, reason: `${metric} is a plain number, found '${t}'` };
}

/** Every statistic named, over the runs of one candidate (rows of RUN_WIDTH numbers). */
export function computeStatistics(runs: Float64Array, wanted: readonly Statistic[], table: RunTable = SCENARIO_RUNS): number[] {
  const width = table.width;
  const n = runs.length / width;
  const sorted = new Map<number, number[]>();
  const valuesOf = (m: number): number[] => {
    let v = sorted.get(m);
    if (v === undefined) {
      v = [];
      for (let i = 0; i < n; i++) {
        const x = runs[i * width + m] as number;
        if (Number.isFinite(x)) v.push(x);
      }
      v.sort((a, b) => a - b);
      sorted.set(m, v);
    }
    return v;
  };
  return wanted.map((s) => {
    if ('share' in s) {
      let k = 0;
      for (let i = 0; i < n; i++) if (runs[i * width + width - 1] === s.share) k++;
      return n === 0 ? NaN : k / n;
    }
    const v = valuesOf(s.metric);
    if (v.length === 0) return NaN;
    switch (s.stat) {
      case 'mean':
        return mean(v);
      case 'median':
        return quantileSorted(v, 0.5);
      case 'p95':
        return quantileSorted(v, 0.95);
      case 'p99':
        return quantileSorted(v, 0.99);
      case 'max':
        return v[v.length - 1] as number;
      case 'min':
        return v[0] as number;
    }
  });
}
