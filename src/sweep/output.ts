/**
 * The run folder: results/<sweep>/<run-id>/ with runs.csv, summary.csv and
 * manifest.json. Never overwritten unless asked (--force, and then only a
 * folder that holds a migsweep run); resumed only when it holds a run of the
 * same sweep (fingerprint), version and shard; a truncated last line (a
 * SIGKILL in the middle of a write) is cut off; every row already there is
 * checked against the task it should be.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../common/errors.js';
import { csvText, readLineBatches } from './csv.js';
import { taskInfo, shardTaskCount } from './grid.js';
import type { Grid, Shard } from './types.js';

export const RUNS_FILE = 'runs.csv';
export const SUMMARY_FILE = 'summary.csv';
export const MANIFEST_FILE = 'manifest.json';
/** The marker of a folder migsweep wrote. */
export const TOOL = 'migsweep';
/** The manifest's format; bumped when a field changes meaning. */
export const MANIFEST_FORMAT = 1;

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PACKAGE_VERSION = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

export type RunStatus = 'running' | 'interrupted' | 'complete';

export interface Session {
  start: string;
  end: string | null;
  workers: number;
  /** tasks run in this session */
  tasks: number;
}

/** manifest.json. Field names shared with the report (src/report/types.ts). */
export interface Manifest {
  tool: typeof TOOL;
  format: number;
  status: RunStatus;
  name: string;
  file: string;
  /** SHA-1 of the resolved grid: equal fingerprints = the same tasks, ids, seeds and columns */
  fingerprint: string;
  version: string;
  commit: string | null;
  node: string;
  host: string;
  cpus: number;
  workers: number;
  shard: { index: number; count: number; from: string } | null;
  seed: number;
  replicates: number;
  start: string;
  end: string | null;
  /** time spent running, over all sessions (a resumed run has several) */
  durationMs: number;
  sessions: Session[];
  counts: {
    /** tasks of this folder (of the shard, for a shard) */
    tasks: number;
    scenarios: number;
    done: number;
    errors: number;
    /** the whole sweep's */
    sweepTasks: number;
    sweepScenarios: number;
  };
  axes: unknown[];
  charts: unknown[];
  sweep: { given: string; resolved: Record<string, unknown> };
  /** for a folder made by `migsweep merge`: the shard folders it joined */
  merged?: { dir: string; index: number; count: number; fingerprint: string; host: string }[];
  [key: string]: unknown;
}

export function fingerprintOf(grid: Grid): string {
  return crypto.createHash('sha1').update(JSON.stringify(grid)).digest('hex');
}

/** The commit of the package's git checkout, or null (no git, not a checkout). */
export function gitCommit(): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

export function machine(): Pick<Manifest, 'node' | 'host' | 'cpus'> {
  return { node: process.version, host: hostname(), cpus: availableParallelism() };
}

/** `20261125-210459` (UTC): sortable, and a valid folder name everywhere. */
export function runId(now: Date, shard: Shard | null): string {
  const iso = now.toISOString();
  const id = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return shard ? `${id}-shard-${shard.index}-of-${shard.count}` : id;
}

/** A fresh folder under results/<name>/ (a suffix when two runs start in the same second). */
export function defaultRunDir(resultsRoot: string, name: string, shard: Shard | null, now = new Date()): string {
  const base = join(resultsRoot, name, runId(now, shard));
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
  return dir;
}

export function readManifest(dir: string): Manifest {
  const file = join(dir, MANIFEST_FILE);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(file, [{ path: '', message: `cannot read the manifest: ${(e as Error).message}; the folder is damaged (remove it, or use --force to start again)` }]);
  }
  const m = data as Partial<Manifest> | null;
  if (m === null || typeof m !== 'object' || m.tool !== TOOL || typeof m.fingerprint !== 'string' || typeof m.counts !== 'object')
    throw new InputError(file, [{ path: '', message: 'not a migsweep manifest (no tool: migsweep, fingerprint and counts); this folder was not written by migsweep sweep' }]);
  return m as Manifest;
}

export function writeManifest(dir: string, m: Manifest): void {
  // write then rename: a kill in the middle never leaves half a manifest
  const tmp = join(dir, `.${MANIFEST_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(tmp, join(dir, MANIFEST_FILE));
}

/** What a folder holds. */
function folderKind(dir: string): 'absent' | 'empty' | 'run' | 'foreign' | 'file' {
  if (!existsSync(dir)) return 'absent';
  if (!statSync(dir).isDirectory()) return 'file';
  const entries = readdirSync(dir);
  if (entries.length === 0) return 'empty';
  return entries.includes(MANIFEST_FILE) ? 'run' : 'foreign';
}

/** Make `dir` ready for a new run: create it, or with `force` empty a previous run's folder. */
export function prepareNewFolder(dir: string, force: boolean): void {
  const kind = folderKind(dir);
  if (kind === 'file') throw new InputError(dir, [{ path: '', message: 'is a file, not a folder; choose another --out' }]);
  if (kind === 'foreign')
    throw new InputError(dir, [
      { path: '', message: `exists and does not hold a migsweep run (no ${MANIFEST_FILE}); migsweep will not write into it, even with --force: choose another --out` },
    ]);
  if (kind === 'run') {
    if (!force) {
      const m = readManifest(dir);
      const what = m.status === 'complete' ? 'a complete run' : `an unfinished run (${m.counts.done}/${m.counts.tasks} tasks)`;
      throw new InputError(dir, [{ path: '', message: `already holds ${what} of '${m.name}'; --force replaces it${m.status === 'complete' ? '' : ', --resume continues it'}` }]);
    }
    readManifest(dir); // a damaged manifest is an error even with --force: the folder might not be ours
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

/** Check that `dir` holds a run this sweep can continue; its manifest. */
export function openForResume(dir: string, fingerprint: string, shard: Shard | null): Manifest {
  const kind = folderKind(dir);
  if (kind === 'absent' || kind === 'empty') throw new InputError(dir, [{ path: '', message: 'holds no run to resume; run without --resume to start one' }]);
  if (kind !== 'run') throw new InputError(dir, [{ path: '', message: `is not a migsweep run folder (no ${MANIFEST_FILE}); nothing to resume` }]);
  const m = readManifest(dir);
  if (m.fingerprint !== fingerprint)
    throw new InputError(dir, [
      {
        path: '',
        message: `holds a run of a different sweep (fingerprint ${m.fingerprint.slice(0, 12)}, this file gives ${fingerprint.slice(0, 12)}): the sweep file changed since, or it is another sweep; resume with the file it was started with`,
      },
    ]);
  if (m.version !== PACKAGE_VERSION)
    throw new InputError(dir, [
      { path: '', message: `was started by migsweep ${m.version}, this is ${PACKAGE_VERSION}: results of two versions cannot be mixed; start a new run` },
    ]);
  const a = m.shard ? `${m.shard.index}/${m.shard.count}` : 'none';
  const b = shard ? `${shard.index}/${shard.count}` : 'none';
  if (a !== b) throw new InputError(dir, [{ path: '', message: `holds shard ${a}, this run is shard ${b}; resume it with --shard ${a === 'none' ? '0/1' : a}` }]);
  return m;
}

/** The most recent unfinished run of this sweep and shard under results/<name>/, or null. */
export function findResumable(resultsRoot: string, name: string, fingerprint: string, shard: Shard | null): string | null {
  const root = join(resultsRoot, name);
  if (!existsSync(root)) return null;
  const dirs = readdirSync(root).sort().reverse();
  for (const d of dirs) {
    const dir = join(root, d);
    if (folderKind(dir) !== 'run') continue;
    try {
      const m = readManifest(dir);
      const sameShard = (m.shard === null && shard === null) || (m.shard !== null && shard !== null && m.shard.index === shard.index && m.shard.count === shard.count);
      if (m.fingerprint === fingerprint && m.status !== 'complete' && sameShard) return dir;
    } catch {
      // a damaged folder is not a candidate
    }
  }
  return null;
}

/** Cut a last line that has no newline (a write interrupted by a kill); the bytes kept. */
export function cutPartialLine(file: string): number {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.alloc(65536);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        if (keep < size) ftruncateSync(fd, keep);
        return keep;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
    return 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Check the rows of a runs.csv being resumed: the header is this sweep's,
 * and row i is task i of the shard. Returns how many rows there are, and
 * how many of them (and bytes) end at the last whole scenario: a resumed
 * run restarts there, since workers summarise whole scenarios.
 */
export async function verifyRuns(file: string, grid: Grid, shard: Shard | null): Promise<{ rows: number; wholeRows: number; wholeBytes: number }> {
  const header = csvText([grid.header]).trimEnd();
  const total = shardTaskCount(grid, shard);
  const digits: number[] = [];
  let line = 0;
  let bytes = 0;
  let wholeRows = 0;
  let wholeBytes = 0;
  for await (const batch of readLineBatches(file)) {
    for (const text of batch) {
      line++;
      bytes += Buffer.byteLength(text) + 1;
      if (line === 1) {
        if (text !== header)
          throw new InputError(file, [{ path: '', line: 1, message: "the header is not this sweep's runs.csv header; the file is damaged or from another sweep" }]);
        wholeBytes = bytes;
        continue;
      }
      const o = line - 2;
      if (o >= total) throw new InputError(file, [{ path: '', line, message: `more rows than the ${total} tasks of this run; the file is damaged` }]);
      const comma = text.indexOf(',');
      const expected = taskInfo(grid, shard, o, digits).taskId;
      if (text.slice(0, comma) !== expected)
        throw new InputError(file, [
          { path: '', line, message: `row ${o + 1} should be task ${expected}, found '${text.slice(0, Math.max(0, comma)).slice(0, 40)}'; the file is damaged` },
        ]);
      if ((o + 1) % grid.replicates === 0) {
        wholeRows = o + 1;
        wholeBytes = bytes;
      }
    }
  }
  return { rows: Math.max(0, line - 1), wholeRows, wholeBytes };
}

/** Cut a file to its first `bytes` bytes. */
export function truncateTo(file: string, bytes: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}
