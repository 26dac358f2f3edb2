/** Reading a sweep's output folder back: manifest.json, runs.csv, summary.csv. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/errors.js';
import { parseCsvTable } from './csv.js';
import { TEXT_COLUMNS } from '../sweep/read-runs.js';
import type { Cell, Manifest, Row, RunFolder, Table } from './types.js';

/** Columns that hold names, never numbers: the runs reader's (src/sweep/read-runs.ts). */
export { TEXT_COLUMNS };

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
  const runs = table('runs.csv');
  return { dir, manifest, runs, summary: withScenarioColumns(table('summary.csv'), runs, ['ramBytes']) };
}

/**
 * Scenario parameters that runs.csv has and summary.csv lacks (RAM is a
 * metric column of runs.csv, so the summary's parameter columns leave it
 * out), joined in by scenarioId: a sweep over RAM sizes still has them per
 * scenario.
 */
export function withScenarioColumns(summary: Table, runs: Table, columns: readonly string[]): Table {
  const missing = columns.filter((c) => !summary.columns.includes(c) && runs.columns.includes(c));
  if (missing.length === 0 || !runs.columns.includes('scenarioId')) return summary;
  const first = new Map<Cell, Row>();
  for (const r of runs.rows) if (!first.has(r.scenarioId)) first.set(r.scenarioId, r);
  return {
    columns: [...summary.columns, ...missing],
    rows: summary.rows.map((r) => {
      const run = first.get(r.scenarioId);
      const out: Row = { ...r };
      for (const c of missing) out[c] = run?.[c] ?? null;
      return out;
    }),
  };
}
