/**
 * summary.csv and the terminal table, computed from runs.csv alone (so a
 * resumed run, a merged set of shards and a one-go run summarise the same
 * bytes the same way). runs.csv is streamed: a scenario's replicates are
 * consecutive rows, so only one scenario is held at a time, plus a few
 * numbers per run for each variant's medians.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { medianSorted, quantileSorted } from 'simple-statistics';
import { METRIC_COLUMNS } from '../scenario/flatten.js';
import { csvText, parseCsvLine, readLines, type CsvCell } from './csv.js';
import { describe, DESCRIBE_FIELDS } from './stats.js';
import type { Grid, VariantSummary } from './types.js';

/** The metrics summary.csv describes. */
export const SUMMARY_METRICS = [
  'totalTimeMs', 'downtimeMs', 'expectedDowntimeMs', 'transferredBytes', 'wireBytes', 'transferFactor',
  'syncs', 'passes', 'maxThrottlePct', 'throttleCpuSeconds', 'postcopyMs',
] as const satisfies readonly (typeof METRIC_COLUMNS)[number][];

/** Scenario parameters in summary.csv: all but the replicate's own seed. */
export function summaryParams(grid: Grid): string[] {
  return grid.paramColumns.filter((c) => c !== 'seed');
}

export function summaryHeader(grid: Grid): string[] {
  return [
    'scenarioId', 'variant', ...summaryParams(grid), 'n', 'errors', 'completedShare', 'unfinishedShare', 'abortedShare',
    ...SUMMARY_METRICS.flatMap((m) => DESCRIBE_FIELDS.map((f) => `${m}_${f}`)),
  ];
}

export interface Aggregate {
  rows: number;
  errors: number;
  scenarios: number;
  variants: VariantSummary[];
}

/** A runs.csv that is not what this sweep writes. */
export class RunsFileError extends Error {}

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

/**
 * Read runs.csv, write summary.csv (one row per scenario over its
 * replicates) and return the per-variant table. Empty metric cells (the
 * downtime of a run that did not complete, every metric of an error row)
 * are left out of the statistics; shares are over the runs without error.
 */
export async function aggregateRuns(grid: Grid, runsFile: string, summaryFile: string): Promise<Aggregate> {
  const fd = openSync(summaryFile, 'w');
  try {
    const out = new Batcher(fd);
    out.add([summaryHeader(grid)]);
    const col = new Map(grid.header.map((c, i) => [c, i]));
    const idx = (c: string) => col.get(c) as number;
    const params = summaryParams(grid).map(idx);
    const metrics = SUMMARY_METRICS.map(idx);
    const [iScenario, iVariant, iOutcome, iError] = [idx('scenarioId'), idx('variant'), idx('outcome'), idx('error')];
    const [iTotal, iDowntime, iFactor] = [idx('totalTimeMs'), idx('downtimeMs'), idx('transferFactor')];
    const variants = new Map(grid.variants.map((v) => [v.name, new VariantTally(v.name)]));
    let group: string[][] = [];
    let rows = 0;
    let errors = 0;
    let scenarios = 0;

    const flush = () => {
      if (group.length === 0) return;
      scenarios++;
      const first = group[0];
      const n = group.length;
      let errs = 0;
      const outcomes = { completed: 0, unfinished: 0, aborted: 0 };
      for (const r of group) {
        if (r[iError] !== '') errs++;
        else if (r[iOutcome] in outcomes) outcomes[r[iOutcome] as keyof typeof outcomes]++;
      }
      const ok = n - errs;
      const share = (k: number) => (ok > 0 ? k / ok : null);
      const record: CsvCell[] = [first[iScenario], first[iVariant], ...params.map((i) => first[i]), n, errs, share(outcomes.completed), share(outcomes.unfinished), share(outcomes.aborted)];
      for (const m of metrics) {
        const values: number[] = [];
        for (const r of group) if (r[m] !== '') values.push(Number(r[m]));
        const d = describe(values);
        for (const f of DESCRIBE_FIELDS) record.push(d === null ? null : d[f]);
      }
      out.add([record]);
      group = [];
    };

    let header = true;
    for await (const line of readLines(runsFile)) {
      if (header) {
        if (line !== csvText([grid.header]).trimEnd()) throw new RunsFileError(`${runsFile}: the header is not this sweep's runs.csv header`);
        header = false;
        continue;
      }
      const r = parseCsvLine(line);
      if (r.length !== grid.header.length) throw new RunsFileError(`${runsFile}: line ${rows + 2} has ${r.length} cells, expected ${grid.header.length}`);
      rows++;
      if (group.length > 0 && group[0][iScenario] !== r[iScenario]) flush();
      group.push(r);
      const v = variants.get(r[iVariant]);
      if (v === undefined) throw new RunsFileError(`${runsFile}: line ${rows + 1} names variant '${r[iVariant]}', which this sweep does not have`);
      v.runs++;
      if (r[iError] !== '') {
        v.errors++;
        errors++;
        continue;
      }
      if (r[iOutcome] === 'completed') v.completed++;
      if (r[iTotal] !== '') v.totalTimeMs.push(Number(r[iTotal]));
      if (r[iDowntime] !== '') v.downtimeMs.push(Number(r[iDowntime]));
      if (r[iFactor] !== '') v.transferFactor.push(Number(r[iFactor]));
    }
    flush();
    out.end();
    return { rows, errors, scenarios, variants: [...variants.values()].map((v) => v.summary()) };
  } finally {
    closeSync(fd);
  }
}

/** Records written in chunks of a few hundred (one csv-stringify call and one write each). */
class Batcher {
  private pending: CsvCell[][] = [];
  constructor(private readonly fd: number) {}
  add(records: CsvCell[][]): void {
    this.pending.push(...records);
    if (this.pending.length >= 512) this.end();
  }
  end(): void {
    if (this.pending.length > 0) writeSync(this.fd, csvText(this.pending));
    this.pending = [];
  }
}
