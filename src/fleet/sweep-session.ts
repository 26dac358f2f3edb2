/**
 * `migsweep sweep <file>` when the file's `base` is a fleet: every fleet of
 * the grid through a piscina pool, their rows written in fleet order into
 * runs.csv (one per fleet) and migrations.csv (one per VM migration), so
 * the bytes do not depend on the worker count; manifest.json says what ran
 * and whether it is complete. --resume continues after the last fleet in
 * runs.csv (migrations.csv is written first, and cut back to that fleet).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import type { Writable } from 'node:stream';
import { Piscina } from 'piscina';
import { EXIT_OK } from '../cli/exit-codes.js';
import { readDocument } from '../scenario/document.js';
import { InputError } from '../common/errors.js';
import { defaultRunDir, MANIFEST_FILE, PACKAGE_VERSION, RUNS_FILE, TOOL } from '../sweep/output.js';
import { FLEET_COLUMNS, headerText, MIGRATION_COLUMNS } from './sweep-rows.js';
import { writeFleetSweepCharts } from './sweep-charts.js';
import { readFleetSweep, type FleetSweep } from './sweep-spec.js';
import type { FleetBatch } from './sweep-worker.js';

export const MIGRATIONS_FILE = 'migrations.csv';
const KIND = 'fleet-sweep';

export interface FleetSweepOptions {
  file: string;
  out?: string;
  resultsRoot?: string;
  workers?: number;
  resume?: boolean;
  force?: boolean;
  /** fleets per batch (default: about eight batches per worker, at most 16 fleets) */
  batchSize?: number;
  /** false: no charts/ (the CLI's --no-report) */
  charts?: boolean;
  stdout: Writable;
  stderr: Writable;
}

export interface FleetManifest {
  tool: string;
  version: string;
  kind: typeof KIND;
  sweepFile: string;
  name: string;
  /** sha256 of the sweep file's text: a resume refuses a changed file */
  fingerprint: string;
  fleets: number;
  axes: string[];
  sloDowntimeMs: number | null;
  complete: boolean;
}

export interface FleetSweepOutcome {
  runDir: string;
  exitCode: number;
  done: number;
  total: number;
}

export async function runFleetSweep(o: FleetSweepOptions): Promise<FleetSweepOutcome> {
  if (o.resume && o.force) throw new InputError('--resume', [{ path: '', message: '--resume continues a run and --force replaces it; give one of them' }]);
  const doc = readDocument(o.file);
  const sweep = readFleetSweep(doc.data as Record<string, unknown>, o.file, doc);
  const fingerprint = createHash('sha256').update(readFileSync(o.file)).digest('hex');
  const root = o.resultsRoot ?? 'results';
  const runDir = o.out ?? (o.resume ? latestUnfinished(join(root, sweep.name), o.file) : defaultRunDir(root, sweep.name, null));
  const paths = sweep.axes.flatMap((a) => a.paths);
  const manifest: FleetManifest = {
    tool: TOOL,
    version: PACKAGE_VERSION,
    kind: KIND,
    sweepFile: o.file,
    name: sweep.name,
    fingerprint,
    fleets: sweep.count,
    axes: paths,
    sloDowntimeMs: sweep.sloDowntimeMs,
    complete: false,
  };
  const runs = join(runDir, RUNS_FILE);
  const migrations = join(runDir, MIGRATIONS_FILE);
  const manifestFile = join(runDir, MANIFEST_FILE);
  let done = 0;
  if (o.resume) done = openForResume(runDir, manifest);
  else {
    if (existsSync(runDir) && readdirSync(runDir).length > 0 && !o.force)
      throw new InputError(runDir, [{ path: '', message: 'the run folder is not empty: --resume continues the run in it, --force replaces it, or give another --out' }]);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(runs, headerText(paths, FLEET_COLUMNS));
    writeFileSync(migrations, headerText(paths, MIGRATION_COLUMNS));
  }
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);

  const workers = Math.max(1, Math.min(o.workers ?? availableParallelism(), sweep.count - done || 1));
  const size = o.batchSize ?? Math.max(1, Math.min(16, Math.ceil((sweep.count - done) / (workers * 8))));
  const pool = new Piscina<FleetBatch, { runs: string; migrations: string }>({
    filename: new URL('./sweep-worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    workerData: sweep satisfies FleetSweep,
  });
  // batches finish in any order; they are written in fleet order (migrations first: a resume trusts runs.csv)
  const finished = new Map<number, { runs: string; migrations: string }>();
  let next = done;
  const flush = () => {
    for (let r = finished.get(next); r !== undefined; r = finished.get(next)) {
      finished.delete(next);
      appendFileSync(migrations, r.migrations);
      appendFileSync(runs, r.runs);
      next = Math.min(sweep.count, next + size);
    }
  };
  try {
    const batches: Promise<void>[] = [];
    for (let start = done; start < sweep.count; start += size) {
      const end = Math.min(sweep.count, start + size);
      batches.push(
        pool.run({ start, end }).then((r) => {
          finished.set(start, r);
          flush();
        }),
      );
    }
    await Promise.all(batches);
  } finally {
    await pool.destroy();
  }
  manifest.complete = true;
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  const charts = o.charts === false ? [] : await writeFleetSweepCharts(runDir, paths, sweep.name);
  const shown = relative(process.cwd(), runDir);
  const dir = shown.startsWith('..') ? runDir : shown;
  o.stdout.write(`${sweep.count} fleets (${sweep.count - done} run now) -> ${dir}/{${RUNS_FILE},${MIGRATIONS_FILE}}${charts.length ? `; charts: ${dir}/charts/` : ''}\n`);
  return { runDir, exitCode: EXIT_OK, done: sweep.count, total: sweep.count };
}

/** The fleets already in runs.csv; migrations.csv cut back to them (and a half-written last line dropped). */
function openForResume(runDir: string, manifest: FleetManifest): number {
  const file = join(runDir, MANIFEST_FILE);
  if (!existsSync(file)) throw new InputError(runDir, [{ path: '', message: `no ${MANIFEST_FILE}: not a run folder of a sweep over fleets; start a new run without --resume` }]);
  const old = JSON.parse(readFileSync(file, 'utf8')) as Partial<FleetManifest>;
  if (old.kind !== KIND) throw new InputError(file, [{ path: 'kind', message: `expected a run of a sweep over fleets (kind ${KIND}), found ${String(old.kind)}` }]);
  if (old.fingerprint !== manifest.fingerprint)
    throw new InputError(manifest.sweepFile, [{ path: '', message: `the sweep file changed since ${runDir} was started; run it into a new folder (without --resume)` }]);
  const whole = (name: string) => {
    const text = readFileSync(join(runDir, name), 'utf8');
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .slice(0, -1);
  };
  const runLines = whole(RUNS_FILE);
  const done = runLines.length - 1;
  writeFileSync(join(runDir, RUNS_FILE), runLines.map((l) => `${l}\n`).join(''));
  const [head, ...rows] = whole(MIGRATIONS_FILE);
  // the first cell of a migration row is its fleet's index (a whole number, never quoted)
  const kept = rows.filter((l) => Number(l.slice(0, l.indexOf(','))) < done);
  writeFileSync(join(runDir, MIGRATIONS_FILE), [head, ...kept].map((l) => `${l}\n`).join(''));
  return done;
}

/** The newest run folder of this sweep whose manifest says it is not complete. */
function latestUnfinished(dir: string, file: string): string {
  const candidates = existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .reverse()
        .map((d) => join(dir, d))
        .filter((d) => {
          try {
            const m = JSON.parse(readFileSync(join(d, MANIFEST_FILE), 'utf8')) as Partial<FleetManifest>;
            return m.kind === KIND && m.complete === false;
          } catch {
            return false;
          }
        })
    : [];
  if (candidates[0] === undefined)
    throw new InputError(file, [{ path: '', message: `no unfinished run of this sweep under ${dir}; give --out <run folder>, or run it without --resume` }]);
  return candidates[0];
}
