/**
 * Disk space before a sweep starts: how much its files will take (from the
 * bytes of a few sample tasks, sample.ts) against what the file system of
 * the run folder has free (statfs). A run that clearly will not fit is
 * refused (exit 2) unless --yes; one that fills the disk anyway stops with
 * the file named and can be resumed (session.ts).
 */
import { existsSync, statfsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../common/errors.js';
import { formatBytes } from '../common/format.js';
import type { OutputFormat } from './formats.js';
import type { TaskCost } from './sample.js';

export interface DiskEstimate {
  /** bytes the rest of the run will add */
  needBytes: number;
  /** bytes free to this user on the run folder's file system */
  freeBytes: number;
  /** the folder whose file system was asked */
  where: string;
  /** the estimate in words, e.g. `about 1.2 GiB (2,000,000 tasks x ~620 B: runs.csv and summary.csv), 40 GiB free in results` */
  text: string;
}

/** Bytes free to this user on the file system that holds `dir` (or its nearest existing parent). */
export function freeBytes(dir: string): { bytes: number; where: string } {
  let d = resolve(dir);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  const s = statfsSync(d);
  return { bytes: s.bavail * s.bsize, where: d };
}

/**
 * The bytes `tasks` more tasks add in `format`. Parquet is counted as the
 * CSV text (an upper bound: it is smaller), and `both` as both.
 */
export function estimateDisk(dir: string, tasks: number, cost: TaskCost, format: OutputFormat): DiskEstimate {
  const runsFiles = format === 'both' ? 2 : 1;
  const perTask = cost.runsBytesPerTask * runsFiles + cost.summaryBytesPerTask;
  const need = Math.ceil(tasks * perTask);
  const free = freeBytes(dir);
  const files = format === 'csv' ? 'runs.csv and summary.csv' : format === 'parquet' ? 'runs.parquet (at most) and summary.csv' : 'runs.csv, runs.parquet and summary.csv';
  const text = `about ${formatBytes(need)} (${tasks.toLocaleString('en-US')} tasks x ~${formatBytes(Math.round(perTask))}: ${files}); ${formatBytes(free.bytes)} free in ${free.where}`;
  return { needBytes: need, freeBytes: free.bytes, where: free.where, text };
}

/**
 * Refuse (an InputError, exit 2) a merge whose output clearly will not fit:
 * it writes what the shards hold, so the shards' own files of the same
 * names are the estimate. Skipped when a shard lacks one of them (another
 * format: its size says little about this one's).
 */
export function checkMergeSpace(out: string, shardDirs: readonly string[], files: readonly string[]): void {
  let need = 0;
  for (const dir of shardDirs)
    for (const f of files) {
      const p = join(dir, f);
      if (!existsSync(p)) return;
      need += statSync(p).size;
    }
  const free = freeBytes(out);
  if (need <= free.bytes) return;
  throw new InputError(out, [
    {
      path: '',
      message: `the merged run needs about ${formatBytes(need)} (the shards' ${files.join(' and ')}), and ${free.where} has ${formatBytes(free.bytes)} free: it will not fit. Free some space or merge into another --out`,
    },
  ]);
}
