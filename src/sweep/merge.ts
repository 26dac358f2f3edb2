/**
 * `migsweep merge`: join the folders of `--shard K/N` runs into one run
 * folder whose runs.csv is byte for byte the one a single machine writes.
 * The shards must come from the same sweep (fingerprint) and version, be
 * complete, and cover 0..N-1 exactly once. Shard K holds scenarios
 * K, K + N, ... with their replicates, so the rows are interleaved back
 * scenario by scenario; each row's task id is checked on the way.
 */
import { itemAt } from '../common/lookup.js';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { InputError } from '../common/errors.js';
import { EXIT_FAILED, EXIT_OK } from '../cli/exit-codes.js';
import { VariantTable } from './aggregate.js';
import { checkMergeSpace } from './disk.js';
import { csvText, readLineBatches } from './csv.js';
import { DEFAULT_FORMAT, runsSinks, type OutputFormat } from './formats.js';
import { shardTaskCount, taskInfo } from './grid.js';
import type { AfterSweepHook } from './hooks.js';
import { fingerprintOf, machine, prepareNewFolder, readManifest, RUNS_FILE, SUMMARY_FILE, writeManifest, type Manifest } from './output.js';
import { PARTS_DIR } from './parquet/part-writer.js';
import { findParts, parquetLineBatches } from './parquet/read.js';
import { RunsDecoder } from './replay.js';
import { resolveSweep } from './resolve.js';
import { resultLine, runHooks } from './session.js';
import { closeAll, writeAll, type Sink, type WriteFaults } from './sink.js';
import { parseSweep } from './spec.js';
import { SummaryCsvSink } from './summary-sink.js';
import type { Grid } from './types.js';
import { variantTable } from './variant-table.js';

export interface MergeOptions {
  dirs: string[];
  out: string;
  force?: boolean;
  quiet?: boolean;
  stdout: Writable;
  stderr: Writable;
  /** what runs once the folder is complete (the CLI passes the report writer); none by default */
  hooks?: AfterSweepHook[];
  /** the runs files to write (default csv) */
  format?: OutputFormat;
  /** injected write failures (tests) */
  writeFaults?: WriteFaults;
}

/** Rows handed to the sinks at a time (whole scenarios). */
const MERGE_BATCH_ROWS = 4096;

function bad(where: string, message: string): never {
  throw new InputError(where, [{ path: '', message }]);
}

/** Check that the folders are the complete shards of one sweep; the shards in index order, and the sweep's grid. */
export function checkShards(dirs: string[]): { shards: { dir: string; m: Manifest }[]; grid: Grid } {
  const all = dirs.map((dir) => ({ dir, m: readManifest(dir) }));
  for (const s of all)
    if (!existsSync(join(s.dir, RUNS_FILE)) && findParts(s.dir) === null)
      bad(s.dir, `has no ${RUNS_FILE} or ${PARTS_DIR}; the shard folder is damaged (run the shard again with --force)`);
  const shards = checkShardSet(all);
  const first = shards[0]!;
  // rebuild the grid from the sweep file the shards recorded; the fingerprint says it is the same
  const grid = resolveSweep(parseSweep(first.m.file, first.m.sweep.given)).grid;
  if (fingerprintOf(grid) !== first.m.fingerprint)
    bad(
      first.dir,
      `this migsweep expands the shards' sweep file differently (fingerprint ${fingerprintOf(grid).slice(0, 12)}, the shards have ${first.m.fingerprint.slice(0, 12)}); merge with the version that made them (${first.m.version})`,
    );
  return { shards, grid };
}

/** What the shard checks read of a manifest (a single-VM sweep's, or a sweep over fleets' with its own words). */
export interface ShardManifest {
  fingerprint: string;
  version: string;
  shard: { index: number; count: number } | null;
  status: string;
  counts: { done: number; tasks: number };
  /** the sweep file (for the command that finishes a shard) */
  file: string;
}

/** Check the folders are complete shards of one sweep, split the same way, each given once and none missing; in index order. */
export function checkShardSet<T extends { dir: string; m: ShardManifest }>(all: readonly T[], unit = 'tasks'): T[] {
  const first = all[0];
  if (first === undefined) bad('merge', 'expected the shard folders to merge');
  for (const s of all) {
    if (s.m.shard === null) bad(s.dir, 'holds a whole sweep, not a shard (no --shard); there is nothing to merge it with');
    if (s.m.fingerprint !== first.m.fingerprint)
      bad(
        s.dir,
        `is a shard of another sweep than ${first.dir} (fingerprints ${s.m.fingerprint.slice(0, 12)} and ${first.m.fingerprint.slice(0, 12)}: a different sweep file, or the file changed between the shards)`,
      );
    if (s.m.version !== first.m.version) bad(s.dir, `was made by migsweep ${s.m.version}, ${first.dir} by ${first.m.version}; shards of two versions cannot be merged`);
    if (s.m.shard.count !== first.m.shard!.count)
      bad(
        s.dir,
        `is shard ${s.m.shard.index}/${s.m.shard.count}, ${first.dir} is shard ${first.m.shard!.index}/${first.m.shard!.count}; all shards must split the sweep the same way`,
      );
    if (s.m.status !== 'complete')
      bad(
        s.dir,
        `shard ${s.m.shard.index}/${s.m.shard.count} is not complete (${s.m.counts.done}/${s.m.counts.tasks} ${unit}, ${s.m.status}); finish it with migsweep sweep ${s.m.file} --out ${s.dir} --resume --shard ${s.m.shard.index}/${s.m.shard.count}`,
      );
  }
  return shardsInOrder(all, (s) => s.m.shard!);
}

/** The shard folders in index order: each shard of the N given once, none missing (an InputError naming the folder otherwise). */
export function shardsInOrder<T extends { dir: string }>(all: readonly T[], shardOf: (s: T) => { index: number; count: number }): T[] {
  const count = all[0] === undefined ? 0 : shardOf(all[0]).count;
  const byIndex = new Map<number, T>();
  for (const s of all) {
    const twin = byIndex.get(shardOf(s).index);
    if (twin) bad(s.dir, `is shard ${shardOf(s).index}/${count}, and so is ${twin.dir}; give each shard once`);
    byIndex.set(shardOf(s).index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    bad('merge', `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: ${count} shards make this sweep, ${all.length} given`);
  return Array.from({ length: count }, (_, i) => byIndex.get(i)!);
}

export async function mergeShards(o: MergeOptions): Promise<{ exitCode: number; runDir: string }> {
  const say = (t: string) => o.stderr.write(`${t}\n`);
  const started = performance.now();
  const { shards, grid } = checkShards(o.dirs);
  const format = o.format ?? DEFAULT_FORMAT;
  // the merged folder's outputs: the same sinks as a sweep's, fed the shards' rows in task order
  const table = new VariantTable(grid);
  const sinks: Sink[] = [...runsSinks(format, { runDir: o.out, grid, shard: null, faults: o.writeFaults }), new SummaryCsvSink(o.out, grid, o.writeFaults), table];
  if (format === 'csv')
    checkMergeSpace(
      o.out,
      shards.map((s) => s.dir),
      [RUNS_FILE, SUMMARY_FILE],
    );
  prepareNewFolder(o.out, o.force === true);
  const n = shards.length;
  const header = csvText([grid.header]).trimEnd();
  const readers = shards.map((s) => shardLines(s.dir));
  for (const [i, r] of readers.entries()) {
    const h = await r.next();
    if (h.done || h.value !== header) bad(join(shards[i]!.dir, RUNS_FILE), "the header is not this sweep's runs.csv header; the shard is damaged");
  }
  const lineNo = shards.map(() => 1);
  const decoder = new RunsDecoder(grid, 0);
  try {
    for (const s of sinks) s.create();
    for (let g = 0; g < grid.scenarios; g++) {
      const k = g % n;
      const file = join(shards[k]!.dir, RUNS_FILE);
      for (let r = 0; r < grid.replicates; r++) {
        const line = await readers[k]!.next();
        const expected = taskInfo(grid, null, g * grid.replicates + r).taskId;
        if (line.done) bad(file, `ends before task ${expected}: the shard has fewer rows than its ${shardTaskCount(grid, shards[k]!.m.shard)} tasks`);
        lineNo[k]!++;
        if (!line.value.startsWith(`${expected},`)) bad(file, `has '${line.value.slice(0, line.value.indexOf(','))}' where task ${expected} should be; the shard is damaged`);
        decoder.add(line.value, file, lineNo[k]!);
      }
      if (decoder.rows >= MERGE_BATCH_ROWS) writeAll(sinks, decoder.take());
    }
    writeAll(sinks, decoder.take());
    for (const [i, r] of readers.entries()) if (!(await r.next()).done) bad(join(shards[i]!.dir, RUNS_FILE), 'has more rows than its tasks; the shard is damaged');
    closeAll(sinks);
  } catch (e) {
    closeAll(sinks, true);
    // a merge is redone from its shards: a half-written merged folder (no manifest, so a later merge would refuse it) is removed
    rmSync(o.out, { recursive: true, force: true });
    throw e;
  } finally {
    await Promise.all(readers.map((r) => r.return(undefined)));
  }

  const ms = shards.map((s) => s.m);
  const first = itemAt(ms, 0);
  const manifest: Manifest = {
    ...first,
    ...machine(),
    status: 'complete',
    workers: ms.reduce((a, m) => a + m.workers, 0),
    shard: null,
    start: itemAt(ms.map((m) => m.start).sort(), 0),
    end: ms.map((m) => m.end ?? '').sort()[n - 1] || null,
    durationMs: ms.reduce((a, m) => a + m.durationMs, 0),
    sessions: ms.flatMap((m) => m.sessions),
    counts: { tasks: grid.tasks, scenarios: grid.scenarios, done: table.rows, errors: table.errors, sweepTasks: grid.tasks, sweepScenarios: grid.scenarios },
    merged: shards.map((s) => ({ dir: s.dir, index: s.m.shard!.index, count: s.m.shard!.count, fingerprint: s.m.fingerprint, host: s.m.host })),
    mergedAt: new Date().toISOString(),
    mergeMs: Math.round(performance.now() - started),
    runsFormat: format,
  };
  writeManifest(o.out, manifest);
  const written = await runHooks(o.hooks ?? [], o.out, say);
  if (!o.quiet) o.stdout.write(`merged ${n} shards: ${grid.tasks.toLocaleString('en-US')} tasks\n\n${variantTable(table.summary())}\n`);
  o.stdout.write(resultLine(o.out, written.paths));
  return { exitCode: table.errors > 0 || written.failed ? EXIT_FAILED : EXIT_OK, runDir: o.out };
}

/** A shard's runs as runs.csv lines: its runs.csv, or (a shard run with --format parquet) its runs.parquet turned into the same lines. */
async function* shardLines(dir: string): AsyncGenerator<string> {
  const csv = join(dir, RUNS_FILE);
  for await (const batch of existsSync(csv) ? readLineBatches(csv) : parquetLineBatches(join(dir, PARTS_DIR))) yield* batch;
}
