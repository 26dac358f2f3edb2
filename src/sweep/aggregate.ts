/**
 * summary.csv (one row per scenario over its replicates) and the terminal
 * table (one row per variant).
 *
 * A summary row depends on its scenario's runs alone, and the pool hands
 * the workers whole scenarios, so each worker summarises its own batch
 * (ScenarioSummary over the values it just computed) and the main thread
 * only appends text. The same ScenarioSummary also reads runs.csv back
 * (aggregateRuns: a merge, the finished part of a resumed run), from the
 * same numbers (runs.csv holds every double exactly), so every path writes
 * the same bytes.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { medianSorted, quantileSorted } from 'simple-statistics';
import { METRIC_COLUMNS } from '../scenario/flatten.js';
import { CellCursor, csvText, readLineBatches } from './csv.js';
import { describe, DESCRIBE_FIELDS, type Describe } from './stats.js';
import { STATUS, type Grid, type VariantSummary } from './types.js';

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
  private readonly outcomes = [0, 0, 0];
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
    this.outcomes[status]++;
    for (let m = 0; m < this.values.length; m++) {
      const v = metrics[at + m];
      if (Number.isNaN(v)) continue;
      if (this.values[m].length === 0) this.firstText[m] = texts ? texts[m] : null;
      this.values[m].push(v);
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
    for (let m = 0; m < this.values.length; m++) {
      const v = this.values[m];
      // one run (replicates: 1): every statistic is its value; no spread, no interval
      if (v.length === 1) {
        const t = this.firstText[m] ?? numberText(v[0]);
        line += `,${t},${t},${t},${t},${t},,,`;
      } else line += statsCells(describe(v), this.firstText[m]);
    }
    this.n = 0; // start() clears the rest
    return `${line}\n`;
  }
}

/** A growable list of doubles (a million runs' values without a million boxed numbers). */
class Doubles {
  private data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  sorted(): number[] {
    return Array.from(this.data.subarray(0, this.length).sort());
  }
}

class VariantTally {
  runs = 0;
  errors = 0;
  completed = 0;
  readonly totalTimeMs = new Doubles();
  readonly downtimeMs = new Doubles();
  readonly transferFactor = new Doubles();
  constructor(readonly name: string) {}
  summary(): VariantSummary {
    const med = (d: Doubles) => (d.length ? medianSorted(d.sorted()) : null);
    const ok = this.runs - this.errors;
    return {
      variant: this.name,
      runs: this.runs,
      errors: this.errors,
      completedShare: ok > 0 ? this.completed / ok : null,
      totalTimeMsMedian: med(this.totalTimeMs),
      downtimeMsMedian: med(this.downtimeMs),
      downtimeMsP95: this.downtimeMs.length ? quantileSorted(this.downtimeMs.sorted(), 0.95) : null,
      transferFactorMedian: med(this.transferFactor),
    };
  }
}

/** The terminal table's numbers: per variant, a few values per run (typed arrays). */
export class VariantTable {
  private readonly tallies: VariantTally[];
  rows = 0;
  errors = 0;
  constructor(grid: Grid) {
    this.tallies = grid.variants.map((v) => new VariantTally(v.name));
  }
  add(variant: number, status: number, metrics: ArrayLike<number>, at: number): void {
    const t = this.tallies[variant];
    this.rows++;
    t.runs++;
    if (status === STATUS.error) {
      t.errors++;
      this.errors++;
      return;
    }
    if (status === STATUS.completed) t.completed++;
    const total = metrics[at + TOTAL];
    const down = metrics[at + DOWNTIME];
    const factor = metrics[at + FACTOR];
    if (!Number.isNaN(total)) t.totalTimeMs.push(total);
    if (!Number.isNaN(down)) t.downtimeMs.push(down);
    if (!Number.isNaN(factor)) t.transferFactor.push(factor);
  }
  summary(): VariantSummary[] {
    return this.tallies.map((t) => t.summary());
  }
}

/** A runs.csv that is not what this sweep writes. */
export class RunsFileError extends Error {}

const OUTCOME_STATUS: Record<string, number> = { completed: STATUS.completed, aborted: STATUS.aborted, unfinished: STATUS.unfinished };

/**
 * Read runs.csv (its first `rows` rows; default all), write summary.csv
 * from scratch for them, and return the per-variant table. A scenario's
 * parameter cells are copied from its first row as they are written there.
 */
export async function aggregateRuns(grid: Grid, runsFile: string, summaryFile: string, rows = Infinity): Promise<VariantTable> {
  const fd = openSync(summaryFile, 'w');
  try {
    const out = new TextBatcher(fd);
    out.add(csvText([summaryHeader(grid)]));
    const col = new Map(grid.header.map((c, i) => [c, i]));
    const idx = (c: string) => col.get(c) as number;
    const metricCells = SUMMARY_METRICS.map(idx);
    const [iScenario, iVariant, iOutcome, iError] = [idx('scenarioId'), idx('variant'), idx('outcome'), idx('error')];
    const firstParam = 4 + METRIC_COLUMNS.length;
    const iSeed = grid.header.indexOf('seed');
    const variantIndex = new Map(grid.variants.map((v, i) => [v.name, i]));
    const table = new VariantTable(grid);
    const summary = new ScenarioSummary();
    const cells = new CellCursor();
    const metrics = new Float64Array(SUMMARY_METRICS.length);
    const texts: string[] = SUMMARY_METRICS.map(() => '');
    const header = csvText([grid.header]).slice(0, -1);

    /** The parameter cells of the row being read, as written, without the seed. */
    const paramsText = () => {
      if (iSeed < firstParam) return cells.raw(firstParam, iError);
      const parts: string[] = [];
      if (iSeed > firstParam) parts.push(cells.raw(firstParam, iSeed));
      if (iError > iSeed + 1) parts.push(cells.raw(iSeed + 1, iError));
      return parts.join(',');
    };

    let scenarioId = '';
    let line = 0;
    read: for await (const batch of readLineBatches(runsFile)) {
      for (const text of batch) {
        line++;
        if (line === 1) {
          if (text !== header) throw new RunsFileError(`${runsFile}: the header is not this sweep's runs.csv header`);
          continue;
        }
        if (line - 1 > rows) break read;
        cells.scan(text);
        if (cells.count !== grid.header.length) throw new RunsFileError(`${runsFile}: line ${line} has ${cells.count} cells, expected ${grid.header.length}`);
        const variant = cells.cell(iVariant);
        const v = variantIndex.get(variant);
        if (v === undefined) throw new RunsFileError(`${runsFile}: line ${line} names variant '${variant}', which this sweep does not have`);
        const id = cells.cell(iScenario);
        if (id !== scenarioId || !summary.started) {
          if (summary.started) out.add(summary.line());
          scenarioId = id;
          summary.start(cells.raw(iScenario, iVariant + 1), paramsText());
        }
        const status = cells.empty(iError) ? (OUTCOME_STATUS[cells.cell(iOutcome)] ?? STATUS.error) : STATUS.error;
        for (let m = 0; m < metricCells.length; m++) {
          texts[m] = cells.cell(metricCells[m]);
          metrics[m] = texts[m] === '' ? NaN : Number(texts[m]);
        }
        summary.add(status, metrics, 0, texts);
        table.add(v, status, metrics, 0);
      }
    }
    if (summary.started) out.add(summary.line());
    out.end();
    return table;
  } finally {
    closeSync(fd);
  }
}

/** Text written in chunks of about a megabyte. */
class TextBatcher {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly fd: number) {}
  add(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) this.end();
  }
  end(): void {
    if (this.size > 0) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
