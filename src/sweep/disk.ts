/**
 * Disk space before a sweep starts: how much its files will take (from the
 * bytes of a few sample tasks, sample.ts) against what the file system of
 * the run folder has free (statfs). A run that clearly will not fit is
 * refused (exit 2) unless --yes; one that fills the disk anyway stops with
 * the file named and can be resumed (session.ts).
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatBytes } from '../scenario/quantity.js';
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
