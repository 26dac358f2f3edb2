/**
 * `migsweep sweep <file>` when the file's `base` is a fleet: every fleet of
 * the grid (or of the shard, `--shard K/N`: fleets K, K + N, ...) through a
 * piscina pool, their rows written in fleet order into the runs table (one
 * row per fleet) and the migrations table (one per VM migration), as CSV,
 * Parquet or both (sweep-tables.ts), so that the bytes do not depend on the
 * worker count; manifest.json says what ran and whether it is complete.
 * --resume continues after the last fleet every table holds whole (the
 * migrations are written first, and cut back to that fleet). A complete
 * run (not a shard) gets the after-sweep hooks: the CLI passes the report.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import type { Writable } from 'node:stream';
import { Piscina } from 'piscina';
import { EXIT_FAILED, EXIT_OK } from '../cli/exit-codes.js';
import { parseMapping, readSourceText } from '../scenario/document.js';
import { InputError } from '../common/errors.js';
import { DEFAULT_FORMAT, parseFormat, type OutputFormat } from '../sweep/formats.js';
import type { AfterSweepHook } from '../sweep/hooks.js';
import { defaultRunDir, MANIFEST_FILE, PACKAGE_VERSION, prepareNewFolder, TOOL } from '../sweep/output.js';
import { PART_ROWS } from '../sweep/parquet/part-writer.js';
import { listParts, readPart } from '../sweep/parquet/read.js';
import { keepWholePartsOf } from '../sweep/parquet/resume.js';
import { resultLine, runHooks } from '../sweep/session.js';
import type { Shard } from '../sweep/types.js';
import { fleetIndex, readFleetSweep, shardFleetCount, type FleetSweep } from './sweep-spec.js';
import { FleetTableFiles, fleetTables } from './sweep-tables.js';
import type { FleetBatch } from './sweep-worker.js';

export const FLEET_SWEEP_KIND = 'fleet-sweep';

export interface FleetSweepOptions {
  file: string;
  out?: string;
  resultsRoot?: string;
  workers?: number;
  /** run only this shard (fleets index, index + count, ...); `migsweep merge` joins the shards */
  shard?: Shard | null;
  /** the tables' files (default csv); a resumed run keeps the format it was started with */
  format?: OutputFormat;
  resume?: boolean;
  force?: boolean;
  /** fleets per batch (default: about eight batches per worker, at most 16 fleets) */
  batchSize?: number;
  /** rows per Parquet part (tests use small parts to cross boundaries) */
  partRows?: number;
  /** what runs once a whole sweep (not a shard) is complete: the CLI passes the report writer */
  hooks?: AfterSweepHook[];
  stdout: Writable;
  stderr: Writable;
}

export interface FleetManifest {
  tool: string;
  version: string;
  kind: typeof FLEET_SWEEP_KIND;
  sweepFile: string;
  name: string;
  /** sha256 of the sweep file's text: a resume and a merge refuse a changed file */
  fingerprint: string;
  /** fleets of the whole sweep */
  fleets: number;
  /** fleets of this folder (of the shard, for a shard) */
  shardFleets: number;
  axes: string[];
  sloDowntimeMs: number | null;
  shard: { index: number; count: number; from: string } | null;
  runsFormat: OutputFormat;
  /** the sweep file's text: the report and a merge read the sweep from it */
  sweep: { given: string };
  /** the sweep's `charts` section ([] = the report's defaults for fleets) */
  charts: unknown[];
  /** as a single-VM run's manifest says it (src/sweep/output.ts): --force and --out read it */
  status: 'running' | 'complete';
  counts: { tasks: number; done: number };
  complete: boolean;
  /** for a folder made by `migsweep merge`: the shard folders it joined */
  merged?: { dir: string; index: number; count: number }[];
}

export interface FleetSweepOutcome {
  runDir: string;
  exitCode: number;
  done: number;
  total: number;
}

/** A sweep over fleets from its text (the file's, or the one a manifest recorded: then `checkFleets` false, see readFleetSweep). */
export function parseFleetSweep(file: string, text: string, checkFleets = true): FleetSweep {
  const doc = parseMapping(file, text, 'a sweep file');
  return readFleetSweep(doc.data, file, doc, checkFleets);
}

export function writeFleetManifest(dir: string, m: FleetManifest): void {
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
}

export async function runFleetSweep(o: FleetSweepOptions): Promise<FleetSweepOutcome> {
  if (o.resume && o.force) throw new InputError('--resume', [{ path: '', message: '--resume continues a run and --force replaces it; give one of them' }]);
  const text = readSourceText(o.file);
  const sweep = parseFleetSweep(o.file, text);
  const shard = o.shard ?? null;
  const total = shardFleetCount(sweep, shard);
  const root = o.resultsRoot ?? 'results';
  const runDir = o.out ?? (o.resume ? latestUnfinished(join(root, sweep.name), o.file, shard) : defaultRunDir(root, sweep.name, shard));
  const manifest: FleetManifest = {
    tool: TOOL,
    version: PACKAGE_VERSION,
    kind: FLEET_SWEEP_KIND,
    sweepFile: o.file,
    name: sweep.name,
    fingerprint: createHash('sha256').update(text).digest('hex'),
    fleets: sweep.count,
    shardFleets: total,
    axes: sweep.axes.flatMap((a) => a.paths),
    sloDowntimeMs: sweep.sloDowntimeMs,
    shard: shard ? { index: shard.index, count: shard.count, from: shard.from } : null,
    runsFormat: o.format ?? DEFAULT_FORMAT,
    sweep: { given: text },
    charts: sweep.charts,
    status: 'running',
    counts: { tasks: total, done: 0 },
    complete: false,
  };
  const partRows = o.partRows ?? PART_ROWS;
  let done = 0;
  let tables: [FleetTableFiles, FleetTableFiles];
  if (o.resume) {
    manifest.runsFormat = resumedFormat(runDir, manifest, o.format);
    tables = openTables(runDir, sweep, manifest.runsFormat, partRows);
    done = openForResume(runDir, manifest, tables, partRows);
  } else {
    prepareNewFolder(runDir, o.force === true);
    tables = openTables(runDir, sweep, manifest.runsFormat, partRows);
    for (const t of tables) t.create();
  }
  writeFleetManifest(runDir, manifest);

  const [runs, migrations] = tables;
  const workers = Math.max(1, Math.min(o.workers ?? availableParallelism(), total - done || 1));
  const size = o.batchSize ?? Math.max(1, Math.min(16, Math.ceil((total - done) / (workers * 8))));
  const pool = new Piscina<FleetBatch, { runs: string; migrations: string }>({
    filename: new URL('./sweep-worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    workerData: sweep satisfies FleetSweep,
  });
  // batches finish in any order; they are written in fleet order (migrations first: a resume trusts the runs table)
  const finished = new Map<number, { runs: string; migrations: string }>();
  let next = done;
  const flush = () => {
    for (let r = finished.get(next); r !== undefined; r = finished.get(next)) {
      finished.delete(next);
      migrations.append(r.migrations);
      runs.append(r.runs);
      next = Math.min(total, next + size);
    }
  };
  try {
    const batches: Promise<void>[] = [];
    for (let start = done; start < total; start += size) {
      const end = Math.min(total, start + size);
      batches.push(
        pool.run({ start, end, shard }).then((r) => {
          finished.set(start, r);
          flush();
        }),
      );
    }
    await Promise.all(batches);
  } finally {
    await pool.destroy();
    for (const t of tables) t.close();
  }
  manifest.complete = true;
  manifest.status = 'complete';
  manifest.counts.done = total;
  writeFleetManifest(runDir, manifest);
  const shown = relative(process.cwd(), runDir);
  const dir = shown.startsWith('..') ? runDir : shown;
  const files = tables.flatMap((t) => [...(manifest.runsFormat !== 'parquet' ? [t.table.csv] : []), ...(t.writesParquet ? [`${t.table.parts}/`] : [])]);
  o.stdout.write(`${total} fleets${shard ? ` (shard ${shard.index}/${shard.count} of ${sweep.count})` : ''} (${total - done} run now) -> ${dir}/{${files.join(',')}}\n`);
  // a shard is a part of a sweep: the report waits for the merge
  const written = shard === null || shard.count === 1 ? await runHooks(o.hooks ?? [], runDir, (t) => o.stderr.write(`${t}\n`)) : { paths: [], failed: false };
  o.stdout.write(resultLine(runDir, written.paths));
  return { runDir, exitCode: written.failed ? EXIT_FAILED : EXIT_OK, done: total, total };
}

function openTables(runDir: string, sweep: FleetSweep, format: OutputFormat, partRows: number): [FleetTableFiles, FleetTableFiles] {
  const [runs, migrations] = fleetTables(sweep);
  return [new FleetTableFiles(runDir, runs, format, partRows), new FleetTableFiles(runDir, migrations, format, partRows)];
}

/** The format of a resumed run: the one its manifest records (a different --format is refused). */
function resumedFormat(runDir: string, m: FleetManifest, given: OutputFormat | undefined): OutputFormat {
  const file = join(runDir, MANIFEST_FILE);
  if (!existsSync(file)) throw new InputError(runDir, [{ path: '', message: `no ${MANIFEST_FILE}: not a run folder of a sweep over fleets; start a new run without --resume` }]);
  const old = JSON.parse(readFileSync(file, 'utf8')) as Partial<FleetManifest>;
  const recorded = typeof old.runsFormat === 'string' ? parseFormat(old.runsFormat, file) : DEFAULT_FORMAT;
  if (given !== undefined && given !== recorded)
    throw new InputError('--format', [{ path: '', message: `${runDir} was started with --format ${recorded}; resume it with the same format (or leave --format out)` }]);
  return recorded;
}

/** A file's whole lines (a half-written last line dropped). */
function wholeLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .slice(0, -1);
}

/** The first cell of a row: its fleet's index (a whole number, never quoted). */
const fleetOfLine = (line: string) => Number(line.slice(0, line.indexOf(',')));

/**
 * Check the run can be continued, and cut every table back to the fleets
 * all of them hold whole: runs.csv's rows, runs.parquet's whole parts, and
 * in migrations.parquet's whole parts the fleets before the last one seen
 * (that one may go on in the next part). The tables continue from there;
 * the Parquet writers skip the rows their whole parts already hold. The
 * fleets kept.
 */
function openForResume(runDir: string, manifest: FleetManifest, tables: [FleetTableFiles, FleetTableFiles], partRows: number): number {
  const file = join(runDir, MANIFEST_FILE);
  const old = JSON.parse(readFileSync(file, 'utf8')) as Partial<FleetManifest>;
  if (old.kind !== FLEET_SWEEP_KIND)
    throw new InputError(file, [{ path: 'kind', message: `expected a run of a sweep over fleets (kind ${FLEET_SWEEP_KIND}), found ${String(old.kind)}` }]);
  if (old.fingerprint !== manifest.fingerprint)
    throw new InputError(manifest.sweepFile, [{ path: '', message: `the sweep file changed since ${runDir} was started; run it into a new folder (without --resume)` }]);
  const a = old.shard ? `${old.shard.index}/${old.shard.count}` : 'none';
  const b = manifest.shard ? `${manifest.shard.index}/${manifest.shard.count}` : 'none';
  if (a !== b) throw new InputError(runDir, [{ path: '', message: `holds shard ${a}, this run is shard ${b}; resume it with --shard ${a === 'none' ? '0/1' : a}` }]);
  const shard = manifest.shard;
  const total = manifest.shardFleets;
  const [runs, migrations] = tables;
  const csv = manifest.runsFormat !== 'parquet';
  let done = total;
  let runsKept = 0;
  let migrationsKept = 0;
  if (csv) {
    const lines = wholeLines(join(runDir, runs.table.csv));
    lines.slice(1).forEach((l, o) => {
      if (fleetOfLine(l) !== fleetIndex(shard, o))
        throw new InputError(join(runDir, runs.table.csv), [
          { path: '', line: o + 2, message: `row ${o + 1} should be fleet ${fleetIndex(shard, o)}; the file is damaged: start the run again (--force)` },
        ]);
    });
    done = Math.min(done, Math.max(0, lines.length - 1));
  }
  if (runs.writesParquet) {
    const dir = join(runDir, runs.table.parts);
    runsKept = keepWholePartsOf(dir, 'fleet', total, (o) => fleetIndex(shard, o), partRows);
    const dirM = join(runDir, migrations.table.parts);
    migrationsKept = keepWholePartsOf(dirM, 'fleet', Infinity, null, partRows);
    const fleets = existsSync(dirM) ? listParts(dirM).flatMap((p) => Array.from(readPart(p, ['fleet']).getChild('fleet') ?? [], Number)) : [];
    const last = fleets[fleets.length - 1];
    // the last fleet seen may go on in the part that was not whole
    const whole = last === undefined ? 0 : shard === null ? last : (last - shard.index) / shard.count;
    done = Math.min(done, runsKept, whole);
  }
  const end = fleetIndex(shard, done);
  let migrationsDone = 0;
  if (csv) {
    const lines = wholeLines(join(runDir, runs.table.csv));
    writeFileSync(
      join(runDir, runs.table.csv),
      lines
        .slice(0, done + 1)
        .map((l) => `${l}\n`)
        .join(''),
    );
    const [head, ...rows] = wholeLines(join(runDir, migrations.table.csv));
    const kept = rows.filter((l) => fleetOfLine(l) < end);
    migrationsDone = kept.length;
    writeFileSync(join(runDir, migrations.table.csv), [head, ...kept].map((l) => `${l}\n`).join(''));
  } else {
    const dirM = join(runDir, migrations.table.parts);
    migrationsDone = existsSync(dirM)
      ? listParts(dirM).reduce((n, p) => n + Array.from(readPart(p, ['fleet']).getChild('fleet') ?? [], Number).filter((f) => f < end).length, 0)
      : 0;
  }
  runs.resumeAt(done, Math.max(runsKept, 0));
  migrations.resumeAt(migrationsDone, migrationsKept);
  return done;
}

/** The newest run folder of this sweep (and shard) whose manifest says it is not complete. */
function latestUnfinished(dir: string, file: string, shard: Shard | null): string {
  const want = shard ? `${shard.index}/${shard.count}` : 'none';
  const candidates = existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .reverse()
        .map((d) => join(dir, d))
        .filter((d) => {
          try {
            const m = JSON.parse(readFileSync(join(d, MANIFEST_FILE), 'utf8')) as Partial<FleetManifest>;
            return m.kind === FLEET_SWEEP_KIND && m.complete === false && (m.shard ? `${m.shard.index}/${m.shard.count}` : 'none') === want;
          } catch {
            return false;
          }
        })
    : [];
  if (candidates[0] === undefined)
    throw new InputError(file, [{ path: '', message: `no unfinished run of this sweep under ${dir}; give --out <run folder>, or run it without --resume` }]);
  return candidates[0];
}
