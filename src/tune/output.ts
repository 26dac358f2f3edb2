/**
 * A tune's run folder, results/tune/<name>/<run-id>/ (docs/tune.md#output-resultstunenamerun-id):
 * tune.yaml (the file as run), tune.json (status and fingerprint),
 * candidates.csv (append-only, a row per candidate as it is evaluated),
 * best.json, pareto.csv (no objective).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../common/errors.js';
import { cutPartialLine, runId } from '../sweep/output.js';
import { fromStatistics, type Candidate } from './candidate.js';
import type { TuneProblem } from './problem.js';

export const CANDIDATES_FILE = 'candidates.csv';
export const BEST_FILE = 'best.json';
export const PARETO_FILE = 'pareto.csv';
export const TUNE_COPY = 'tune.yaml';
const STATUS_FILE = 'tune.json';

export type TuneStatus = 'running' | 'interrupted' | 'complete';

export function fingerprintOf(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

export function candidateHeader(problem: TuneProblem): string[] {
  return ['id', 'phase', ...problem.dims.map((d) => d.path), ...problem.statistics.map((s) => s.name), 'feasible', ...problem.constraints.map((c) => `margin ${c.text}`), 'error'];
}

const cell = (v: number) => (Number.isFinite(v) ? String(v) : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : '');

export function candidateRows(cands: readonly Candidate[]): string {
  return stringify(cands.map((c) => [c.id, c.phase, ...c.values.map(cell), ...c.statistics.map(cell), String(c.feasible), ...c.margins.map(cell), c.error ?? '']));
}

/** A folder for a new run (a suffix when two start in the same second). */
export function newRunDir(resultsRoot: string, name: string, now = new Date()): string {
  const base = join(resultsRoot, 'tune', name, runId(now, null));
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
  return dir;
}

export function startFolder(dir: string, problem: TuneProblem): void {
  if (existsSync(join(dir, CANDIDATES_FILE))) throw new InputError(dir, [{ path: '', message: 'holds a tune run already; use --resume to continue it, or another --out' }]);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, TUNE_COPY), problem.source.text);
  writeStatus(dir, problem, 'running');
  writeFileSync(join(dir, CANDIDATES_FILE), stringify([candidateHeader(problem)]));
}

export function writeStatus(dir: string, problem: TuneProblem, status: TuneStatus): void {
  writeFileSync(join(dir, STATUS_FILE), `${JSON.stringify({ name: problem.name, status, fingerprint: fingerprintOf(problem.source.text) }, null, 2)}\n`);
}

/** The latest unfinished run of this tune file under results/tune/<name>/, or null. */
export function findResumable(resultsRoot: string, problem: TuneProblem): string | null {
  const root = join(resultsRoot, 'tune', problem.name);
  if (!existsSync(root)) return null;
  const fp = fingerprintOf(problem.source.text);
  for (const entry of readdirSync(root).sort().reverse()) {
    try {
      const s = JSON.parse(readFileSync(join(root, entry, STATUS_FILE), 'utf8')) as { status?: string; fingerprint?: string };
      if (s.status !== 'complete' && s.fingerprint === fp) return join(root, entry);
    } catch {
      // not a tune run folder
    }
  }
  return null;
}

/** The candidates a run folder holds already (by id), after checking that it is this tune's. */
export function readCandidates(dir: string, problem: TuneProblem): Candidate[] {
  const file = join(dir, CANDIDATES_FILE);
  let status: { fingerprint?: string };
  try {
    status = JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8')) as { fingerprint?: string };
  } catch {
    throw new InputError(dir, [{ path: '', message: `not a tune run folder (no readable ${STATUS_FILE}); nothing to resume` }]);
  }
  if (status.fingerprint !== fingerprintOf(problem.source.text))
    throw new InputError(dir, [{ path: '', message: `was run from a different tune file (${TUNE_COPY} there differs); start a new run instead of --resume` }]);
  cutPartialLine(file);
  const rows = parse(readFileSync(file, 'utf8'));
  const header = candidateHeader(problem);
  if (rows.length === 0 || (rows[0] as string[]).join('\0') !== header.join('\0'))
    throw new InputError(file, [{ path: '', message: `expected the header ${header.join(',')}; the folder is damaged` }]);
  const d = problem.dims.length;
  const k = problem.statistics.length;
  return rows.slice(1).map((r) => {
    const num = (i: number) => (r[i] === '' ? NaN : Number(r[i]));
    const values = Array.from({ length: d }, (_, i) => num(2 + i));
    const stats = Array.from({ length: k }, (_, i) => num(2 + d + i));
    const error = r[r.length - 1] || null;
    return fromStatistics(problem, values, r[1] as string, stats, error);
  });
}

export function appendCandidates(dir: string, cands: readonly Candidate[]): void {
  if (cands.length > 0) appendFileSync(join(dir, CANDIDATES_FILE), candidateRows(cands));
}

export function writePareto(dir: string, problem: TuneProblem, cands: readonly Candidate[]): void {
  writeFileSync(join(dir, PARETO_FILE), stringify([candidateHeader(problem)]) + candidateRows(cands));
}

export function writeJson(file: string, data: unknown): void {
  writeFileSync(file, `${JSON.stringify(data, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
}
