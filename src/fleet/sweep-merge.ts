/**
 * `migsweep merge` of the shards of a sweep over fleets: shard K holds
 * fleets K, K + N, ..., so fleet g's row is the next one of shard g mod N,
 * and its migration rows are the next rows of that shard's migrations
 * table whose first cell is g. Each table is read as runs.csv lines (its
 * CSV file, or its Parquet parts turned into the same lines) and written
 * by the sweep's own table writers (sweep-tables.ts), so the merged folder
 * holds, in any --format, the bytes one machine writes. The shards must be
 * complete shards of the same sweep file (sha256) and version, each given
 * once.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { InputError } from '../common/errors.js';
import { EXIT_FAILED, EXIT_OK } from '../cli/exit-codes.js';
import { csvText, parseCsvLine, readLineBatches } from '../sweep/csv.js';
import { checkMergeSpace } from '../sweep/disk.js';
import { DEFAULT_FORMAT, type OutputFormat } from '../sweep/formats.js';
import type { AfterSweepHook } from '../sweep/hooks.js';
import { checkShardSet } from '../sweep/merge.js';
import { MANIFEST_FILE, prepareNewFolder } from '../sweep/output.js';
import { parquetLineBatches } from '../sweep/parquet/read.js';
import { resultLine, runHooks } from '../sweep/session.js';
import { FLEET_SWEEP_KIND, parseFleetSweep, writeFleetManifest, type FleetManifest } from './sweep-session.js';
import { FleetTableFiles, fleetTables, type FleetTable } from './sweep-tables.js';

export interface FleetMergeOptions {
  dirs: string[];
  out: string;
  force?: boolean;
  format?: OutputFormat;
  hooks?: AfterSweepHook[];
  /** (as a single-VM merge takes it; a merge of fleets prints no table) */
  quiet?: boolean;
  /** rows per Parquet part (tests; as the shards' sweep was run) */
  partRows?: number;
  stdout: Writable;
  stderr: Writable;
}

/** Rows gathered before they are handed to the table writers. */
const MERGE_BATCH_ROWS = 4096;

function bad(where: string, message: string): never {
  throw new InputError(where, [{ path: '', message }]);
}

/** The kind a run folder's manifest says (fleet-sweep for a sweep over fleets), or null when it has none or cannot be read. */
export function runKind(dir: string): string | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { kind?: unknown } | null;
    return typeof m?.kind === 'string' ? m.kind : null;
  } catch {
    return null;
  }
}

function readFleetManifest(dir: string): FleetManifest {
  const file = join(dir, MANIFEST_FILE);
  let m: Partial<FleetManifest>;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Partial<FleetManifest>;
  } catch (e) {
    return bad(file, `cannot read the manifest: ${(e as Error).message}; the folder is damaged (run the shard again with --force)`);
  }
  if (m.kind !== FLEET_SWEEP_KIND || typeof m.fingerprint !== 'string' || typeof m.sweep?.given !== 'string' || typeof m.counts !== 'object')
    bad(file, `is not the manifest of a sweep over fleets (kind ${FLEET_SWEEP_KIND}, with the sweep file's text)`);
  return m as FleetManifest;
}

/** Check the folders are the complete shards of one sweep over fleets; in index order. */
export function checkFleetShards(dirs: readonly string[]): { dir: string; m: FleetManifest }[] {
  // the shard checks of a single-VM merge, on the fleet manifest's fields (counted in fleets)
  const all = dirs.map((dir) => {
    const m = readFleetManifest(dir);
    return { dir, fleet: m, m: { ...m, file: m.sweepFile } };
  });
  return checkShardSet(all, 'fleets').map((s) => ({ dir: s.dir, m: s.fleet }));
}

/** A table of a shard as runs.csv lines, one at a time, with a look at the next. */
class ShardLines {
  private readonly source: AsyncGenerator<string[]>;
  private batch: string[] = [];
  private at = 0;
  /** the line number of the last line taken */
  line = 0;

  constructor(
    readonly file: string,
    csv: boolean,
  ) {
    this.source = csv ? readLineBatches(file) : parquetLineBatches(file);
  }

  static of(dir: string, table: FleetTable): ShardLines {
    const csv = join(dir, table.csv);
    if (existsSync(csv)) return new ShardLines(csv, true);
    const parts = join(dir, table.parts);
    if (existsSync(parts)) return new ShardLines(parts, false);
    return bad(dir, `has no ${table.csv} or ${table.parts}; the shard folder is damaged (run the shard again with --force)`);
  }

  async peek(): Promise<string | undefined> {
    while (this.at >= this.batch.length) {
      const r = await this.source.next();
      if (r.done === true) return undefined;
      this.batch = r.value;
      this.at = 0;
    }
    return this.batch[this.at];
  }

  async take(): Promise<string | undefined> {
    const l = await this.peek();
    if (l !== undefined) {
      this.at++;
      this.line++;
    }
    return l;
  }

  async close(): Promise<void> {
    await this.source.return(undefined);
  }
}

const fleetOfLine = (line: string) => line.slice(0, line.indexOf(','));

export async function mergeFleetShards(o: FleetMergeOptions): Promise<{ exitCode: number; runDir: string }> {
  const say = (t: string) => o.stderr.write(`${t}\n`);
  const shards = checkFleetShards(o.dirs);
  const first = shards[0]!.m;
  const sweep = parseFleetSweep(first.sweepFile, first.sweep.given, false);
  const format = o.format ?? DEFAULT_FORMAT;
  const [runsTable, migrationsTable] = fleetTables(sweep);
  if (format === 'csv')
    checkMergeSpace(
      o.out,
      shards.map((s) => s.dir),
      [runsTable.csv, migrationsTable.csv],
    );
  prepareNewFolder(o.out, o.force === true);
  const runs = new FleetTableFiles(o.out, runsTable, format, o.partRows);
  const migrations = new FleetTableFiles(o.out, migrationsTable, format, o.partRows);
  const readers = shards.map((s) => ({ runs: ShardLines.of(s.dir, runsTable), migrations: ShardLines.of(s.dir, migrationsTable) }));
  const all = readers.flatMap((r) => [r.runs, r.migrations]);
  try {
    for (const r of readers)
      for (const [lines, table] of [
        [r.runs, runsTable],
        [r.migrations, migrationsTable],
      ] as const) {
        const head = await lines.take();
        if (head !== csvText([table.header]).trimEnd()) bad(lines.file, `the header is not this sweep's ${table.csv} header; the shard is damaged`);
      }
    runs.create();
    migrations.create();
    const n = shards.length;
    const vmCountAt = runsTable.header.indexOf('vmCount');
    let runsText = '';
    let migrationsText = '';
    let rows = 0;
    for (let g = 0; g < sweep.count; g++) {
      const r = readers[g % n]!;
      const line = await r.runs.take();
      if (line === undefined) bad(r.runs.file, `ends before fleet ${g}: the shard has fewer rows than its fleets`);
      if (fleetOfLine(line) !== String(g)) bad(r.runs.file, `has fleet '${fleetOfLine(line)}' at line ${r.runs.line} where fleet ${g} should be; the shard is damaged`);
      runsText += `${line}\n`;
      const vmCount = Number(parseCsvLine(line)[vmCountAt]);
      let vms = 0;
      for (let m = await r.migrations.peek(); m !== undefined && fleetOfLine(m) === String(g); m = await r.migrations.peek()) {
        migrationsText += `${await r.migrations.take()}\n`;
        vms++;
      }
      if (vms !== vmCount) bad(r.migrations.file, `has ${vms} migrations of fleet ${g} where its row in ${r.runs.file} says ${vmCount} VMs; the shard is damaged`);
      rows += vms;
      if (rows >= MERGE_BATCH_ROWS) {
        migrations.append(migrationsText);
        runs.append(runsText);
        [migrationsText, runsText, rows] = ['', '', 0];
      }
    }
    migrations.append(migrationsText);
    runs.append(runsText);
    for (const lines of all) if ((await lines.peek()) !== undefined) bad(lines.file, `has more rows than its fleets (line ${lines.line + 1}); the shard is damaged`);
    runs.close();
    migrations.close();
  } catch (e) {
    try {
      runs.close();
      migrations.close();
    } catch {
      // closing after a failure: the first error is the one to tell
    }
    // a merge is redone from its shards: a half-written merged folder (no manifest) is removed
    rmSync(o.out, { recursive: true, force: true });
    throw e;
  } finally {
    await Promise.all(all.map((l) => l.close()));
  }
  const manifest: FleetManifest = {
    ...first,
    shard: null,
    shardFleets: sweep.count,
    runsFormat: format,
    status: 'complete',
    counts: { tasks: sweep.count, done: sweep.count },
    complete: true,
    merged: shards.map((s) => ({ dir: s.dir, index: s.m.shard!.index, count: s.m.shard!.count })),
  };
  writeFleetManifest(o.out, manifest);
  o.stdout.write(`merged ${shards.length} shards: ${sweep.count.toLocaleString('en-US')} fleets\n`);
  const written = await runHooks(o.hooks ?? [], o.out, say);
  o.stdout.write(resultLine(o.out, written.paths));
  return { exitCode: written.failed ? EXIT_FAILED : EXIT_OK, runDir: o.out };
}
