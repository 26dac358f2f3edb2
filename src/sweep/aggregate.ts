/**
 * summary.csv (one row per scenario over its replicates) and the terminal
 * table (one row per variant).
 *
 * A summary row depends on its scenario's runs alone, and the pool hands
 * the workers whole scenarios, so each worker summarises its own batch
 * (ScenarioSummary over the values it just computed) and the main thread
 * only appends text. The same ScenarioSummary also summarises runs read
 * back from runs.csv (replay.ts: a merge, the finished part of a resumed
 * run), from the same numbers (runs.csv holds every double exactly), so
 * every path writes the same bytes.
 */
import { itemAt } from '../common/lookup.js';
import { METRIC_COLUMNS } from '../scenario/flatten.js';
import { describe, DESCRIBE_FIELDS, type Describe } from './stats.js';
import { QuantileStore } from './quantiles.js';
import type { Sink } from './sink.js';
import { STATUS, type BatchResult, type Grid, type VariantSummary } from './types.js';

/** The metrics summary.csv describes. */
export const SUMMARY_METRICS = [
  'totalTimeMs',
  'downtimeMs',
  'expectedDowntimeMs',
  'transferredBytes',
  'wireBytes',
  'transferFactor',
  'syncs',
  'passes',
  'maxThrottlePct',
  'throttleCpuSeconds',
  'postcopyMs',
] as const satisfies readonly (typeof METRIC_COLUMNS)[number][];

const TOTAL = SUMMARY_METRICS.indexOf('totalTimeMs');
const DOWNTIME = SUMMARY_METRICS.indexOf('downtimeMs');
const FACTOR = SUMMARY_METRICS.indexOf('transferFactor');

/** Scenario parameters in summary.csv: all but the replicate's own seed. */
export function summaryParams(grid: Grid): string[] {
  return grid.paramColumns.filter((c) => c !== 'seed');
}

export function summaryHeader(grid: Grid): string[] {
  return [
    'scenarioId',
    'variant',
    ...summaryParams(grid),
    'n',
    'errors',
    'completedShare',
    'unfinishedShare',
    'abortedShare',
    ...SUMMARY_METRICS.flatMap((m) => DESCRIBE_FIELDS.map((f) => `${m}_${f}`)),
  ];
}

/** A number as runs.csv writes it: shortest round trip; null and non-finite numbers empty. */
function numberText(v: number | null): string {
  return v !== null && Number.isFinite(v) ? String(v) : '';
}

/**
 * The eight statistics cells of a metric, each after a comma. Numbers never
 * need quotes; identical replicates (the common case of a deterministic
 * scenario) format their one value once: String(double) is most of the
 * cost of a summary row.
 */
function statsCells(d: Describe | null, text: string | null): string {
  if (d === null) return ',,,,,,,,';
  if (d.min === d.max) {
    const t = text ?? numberText(d.min);
    const ci = d.ciLow === null ? '' : t;
    return `,${t},${t},${t},${t},${t},${numberText(d.sd)},${ci},${ci}`;
  }
  let out = '';
  for (const f of DESCRIBE_FIELDS) out += `,${numberText(d[f])}`;
  return out;
}

/**
 * One scenario's summary.csv line, from its runs: status codes and the
 * SUMMARY_METRICS values (NaN = an empty cell, left out of the statistics:
 * the downtime of a run that did not complete, every metric of an error
 * row). Outcome shares are over the runs without error.
 */
export class ScenarioSummary {
  private head = '';
  private n = 0;
  private errors = 0;
  /** runs by STATUS (completed, aborted, unfinished) */
  private readonly outcomes: [number, number, number] = [0, 0, 0];
  private readonly values: number[][] = SUMMARY_METRICS.map(() => []);
  /** per metric, the text of its first value as runs.csv writes it (reused when the replicates agree) */
  private readonly firstText: (string | null)[] = SUMMARY_METRICS.map(() => null);

  /** `ids`: `scenarioId,variant` as CSV; `paramsText`: the scenario's parameter cells (without the seed) as runs.csv writes them */
  start(ids: string, paramsText: string): void {
    this.head = `${ids},${paramsText}`;
    this.reset();
  }

  /** Forget the runs added (a scenario left unfinished, e.g. by a batch cut short, does not leak into the next). */
  private reset(): void {
    this.n = this.errors = 0;
    this.outcomes.fill(0);
    for (const v of this.values) v.length = 0;
  }

  /**
   * One run: its status and its metrics at `metrics[at ... at + SUMMARY_METRICS.length)`;
   * `texts`, when given, are the same values as runs.csv writes them (String(v)).
   */
  add(status: number, metrics: ArrayLike<number>, at: number, texts?: readonly string[]): void {
    this.n++;
    if (status === STATUS.error) {
      this.errors++;
      return;
    }
    // hot path (every run): m is below values.length, and status is a STATUS other than error
    this.outcomes[status]!++;
    for (let m = 0; m < this.values.length; m++) {
      const v = metrics[at + m]!;
      if (Number.isNaN(v)) continue;
      const values = this.values[m]!;
      if (values.length === 0) this.firstText[m] = texts?.[m] ?? null;
      values.push(v);
    }
  }

  get started(): boolean {
    return this.n > 0;
  }

  /** The line, ending with a newline; then ready for the next scenario. */
  line(): string {
    const ok = this.n - this.errors;
    const share = (k: number) => (ok > 0 ? String(k / ok) : '');
    let line = `${this.head},${this.n},${this.errors},${share(this.outcomes[STATUS.completed])},${share(this.outcomes[STATUS.unfinished])},${share(this.outcomes[STATUS.aborted])}`;
    for (const [m, v] of this.values.entries()) {
      const firstText = this.firstText[m] ?? null;
      // one run (replicates: 1): every statistic is its value; no spread, no interval
      if (v.length === 1) {
        const t = firstText ?? numberText(itemAt(v, 0));
        line += `,${t},${t},${t},${t},${t},,,`;
      } else line += statsCells(describe(v), firstText);
    }
    this.n = 0; // start() clears the rest
    return `${line}\n`;
  }
}

class VariantTally {
  runs = 0;
  errors = 0;
  completed = 0;
  readonly totalTimeMs: QuantileStore;
  readonly downtimeMs: QuantileStore;
  readonly transferFactor: QuantileStore;
  constructor(
    readonly name: string,
    exactLimit?: number,
  ) {
    this.totalTimeMs = new QuantileStore(exactLimit);
    this.downtimeMs = new QuantileStore(exactLimit);
    this.transferFactor = new QuantileStore(exactLimit);
  }
  summary(): VariantSummary {
    const med = (d: QuantileStore) => d.quantile(0.5);
    const ok = this.runs - this.errors;
    return {
      variant: this.name,
      runs: this.runs,
      errors: this.errors,
      completedShare: ok > 0 ? this.completed / ok : null,
      totalTimeMsMedian: med(this.totalTimeMs),
      downtimeMsMedian: med(this.downtimeMs),
      downtimeMsP95: this.downtimeMs.quantile(0.95),
      transferFactorMedian: med(this.transferFactor),
      approximate: this.totalTimeMs.approximate || this.downtimeMs.approximate || this.transferFactor.approximate,
    };
  }
}

/**
 * The terminal table's numbers: per variant, a few values per run (typed
 * arrays). A sink: fed every batch; on resume, the runs already on disk.
 */
export class VariantTable implements Sink {
  readonly name = 'the terminal table';
  private readonly tallies: VariantTally[];
  rows = 0;
  errors = 0;
  /** `exactLimit`: values per metric and variant kept exactly (see QuantileStore; tests make it small) */
  constructor(grid: Grid, exactLimit?: number) {
    this.tallies = grid.variants.map((v) => new VariantTally(v.name, exactLimit));
  }
  create(): void {}
  resume(): 'replay' {
    return 'replay';
  }
  write(batch: BatchResult): void {
    const n = batch.status.length;
    for (let i = 0; i < n; i++) this.add(batch.variant[i] as number, batch.status[i] as number, batch.metrics, i * SUMMARY_METRICS.length);
  }
  close(): void {}
  add(variant: number, status: number, metrics: ArrayLike<number>, at: number): void {
    const t = this.tallies[variant];
    if (t === undefined) throw new Error(`internal error: no variant ${variant} in the table`);
    this.rows++;
    t.runs++;
    if (status === STATUS.error) {
      t.errors++;
      this.errors++;
      return;
    }
    if (status === STATUS.completed) t.completed++;
    const total = metrics[at + TOTAL]!;
    const down = metrics[at + DOWNTIME]!;
    const factor = metrics[at + FACTOR]!;
    if (!Number.isNaN(total)) t.totalTimeMs.push(total);
    if (!Number.isNaN(down)) t.downtimeMs.push(down);
    if (!Number.isNaN(factor)) t.transferFactor.push(factor);
  }
  summary(): VariantSummary[] {
    return this.tallies.map((t) => t.summary());
  }
}
