/**
 * Pairs of runs for the comparison tests: small sweeps run in this process
 * into temporary folders, copies of them, and copies whose runs.csv has a
 * metric shifted, an outcome flipped or a scenario removed.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareRuns } from '../../src/compare/compare-runs.js';
import { DEFAULT_ALPHA, DEFAULT_METRICS, DEFAULT_THRESHOLD } from '../../src/compare/metrics.js';
import type { Comparison, CompareSettings } from '../../src/compare/types.js';
import { csvText, parseCsvLine } from '../../src/sweep/csv.js';
import { runSweep } from '../../src/sweep/session.js';
import { Sink, sweepFile } from '../sweep/helpers.js';

/** Two policies over three dirty rates, 3 replicates, fluid engine: every replicate the same. At 512 MiB/s qemu-2011 never completes. */
export const DETERMINISTIC = `
name: det
seed: 7
replicates: 3
base:
  vm: { ram: 1GiB }
  workload: { kind: uniform, dirtyRate: 10MiB/s }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: qemu-2011 }
  horizon: 10min
axes:
  workload.dirtyRate: [4MiB/s, 32MiB/s, 512MiB/s]
variants:
  - name: qemu-2011
  - name: pause-60s
    set: { policy: [ { kind: qemu-2011 }, { kind: pause-after, timeout: 60s } ] }
`;

/** A jittered link (30% per period): replicates differ; the downtime varies by about 37% from replicate to replicate. */
export const NOISY = `
name: noisy
seed: 11
replicates: 16
base:
  vm: { ram: 1GiB }
  workload: { kind: uniform, dirtyRate: 32MiB/s }
  link: { bandwidth: 1Gbit/s, jitter: 0.3 }
  policy: { kind: qemu, downtimeLimit: 300ms }
  horizon: 10min
axes:
  workload.dirtyRate: [16MiB/s, 64MiB/s]
variants:
  - name: qemu
  - name: pause
    set: { policy: [ { kind: qemu, downtimeLimit: 300ms }, { kind: pause-after, timeout: 5s } ] }
`;

/** Run a sweep text in this process into `dir`/`name` (no report); its folder. */
export async function runInto(dir: string, name: string, yaml: string): Promise<string> {
  const file = sweepFile(dir, `${name}-sweep`, yaml);
  const out = join(dir, name);
  const r = await runSweep({ file, out, workers: 1, progress: 'quiet', stdout: new Sink(), stderr: new Sink(), hooks: [] });
  if (r.exitCode !== 0) throw new Error(`sweep ${name} ended with exit code ${r.exitCode}`);
  return out;
}

/** A copy of a run folder. */
export function copyRun(src: string, dst: string): string {
  cpSync(src, dst, { recursive: true });
  return dst;
}

export type RunsRow = Record<string, string | undefined>;

/** Rewrite runs.csv of `dir` row by row: `edit` changes a row in place, or returns false to drop it. */
export function editRuns(dir: string, edit: (row: RunsRow) => void | boolean): void {
  const file = join(dir, 'runs.csv');
  const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const header = parseCsvLine(head ?? '');
  const out: string[][] = [header];
  for (const line of lines) {
    const cells = parseCsvLine(line);
    const row: RunsRow = Object.fromEntries(header.map((c, i) => [c, cells[i]]));
    if (edit(row) === false) continue;
    out.push(header.map((c) => row[c] ?? ''));
  }
  writeFileSync(file, csvText(out));
}

/** Multiply `metric` by `factor` in the rows of one variant and dirty rate (bytes/s). */
export function scale(dir: string, variant: string, dirtyRate: number, metric: string, factor: number): void {
  editRuns(dir, (r) => {
    if (r.variant === variant && Number(r.dirtyRateBytesPerSec) === dirtyRate && r[metric] !== '') r[metric] = String(Number(r[metric]) * factor);
  });
}

export const MiB = 1024 * 1024;

/** The deterministic sweep run into `dir`/det, and a copy in `dir`/worse with one variant's metric at one dirty rate (MiB/s) scaled. */
export async function detAndWorse(dir: string, variant: string, dirtyRateMiB: number, metric: string, factor: number): Promise<{ det: string; worse: string }> {
  const det = await runInto(dir, 'det', DETERMINISTIC);
  const worse = copyRun(det, join(dir, 'worse'));
  scale(worse, variant, dirtyRateMiB * MiB, metric, factor);
  return { det, worse };
}

export function settings(over: Partial<CompareSettings> = {}): CompareSettings {
  return { threshold: DEFAULT_THRESHOLD, alpha: DEFAULT_ALPHA, metrics: [...DEFAULT_METRICS], allowChangedSettings: false, ...over };
}

export function compare(a: string, b: string, over: Partial<CompareSettings> = {}): Promise<Comparison> {
  return compareRuns(a, b, settings(over));
}
