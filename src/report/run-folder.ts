/** Reading a sweep's output folder back: manifest.json, runs.csv, summary.csv. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/errors.js';
import { parseCsvTable } from './csv.js';
import type { Manifest, RunFolder } from './types.js';

/** Columns that hold names, never numbers, whatever they look like (a variant may be called `10`). */
export const TEXT_COLUMNS: ReadonlySet<string> = new Set([
  'taskId', 'scenarioId', 'variant', 'outcome', 'stopReason', 'error', 'policy', 'base', 'workload', 'estimator', 'fidelity',
]);

const FILES = ['manifest.json', 'runs.csv', 'summary.csv'] as const;

/** Read a run folder; an InputError says which file is missing or malformed. */
export function readRunFolder(dir: string): RunFolder {
  const missing = FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new InputError(dir, [
      { path: '', message: `not a finished sweep's folder: ${missing.join(', ')} missing (expected ${FILES.join(', ')}, as \`migsweep sweep\` writes them)` },
    ]);
  }
  let manifest: Manifest;
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
    manifest = parsed as Manifest;
  } catch (e) {
    throw new InputError(join(dir, 'manifest.json'), [{ path: '', message: (e as Error).message }]);
  }
  const table = (f: string) => {
    try {
      return parseCsvTable(readFileSync(join(dir, f), 'utf8'), f, TEXT_COLUMNS);
    } catch (e) {
      throw new InputError(join(dir, f), [{ path: '', message: (e as Error).message }]);
    }
  };
  return { dir, manifest, runs: table('runs.csv'), summary: table('summary.csv') };
}
