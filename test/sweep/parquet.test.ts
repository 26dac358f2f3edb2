/**
 * runs.parquet: the same rows as runs.csv, cell for cell (read back by
 * hyparquet, a reader independent of the writer), the same bytes for any
 * worker count, batch size, resume point or shard merge, and a clear error
 * for a damaged part.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { InputError } from '../../src/common/errors.js';
import { csvText, parseCsvLine } from '../../src/sweep/csv.js';
import { shardTaskCount } from '../../src/sweep/grid.js';
import { PARTS_DIR } from '../../src/sweep/parquet/part-writer.js';
import { RunColumnsBuilder } from '../../src/sweep/parquet/run-columns.js';
import { streamParquet } from '../../src/sweep/parquet/read.js';
import { ParquetRunsSink } from '../../src/sweep/parquet/sink.js';
import { keepWholeParts } from '../../src/sweep/parquet/resume.js';
import { columnKinds } from '../../src/sweep/parquet/schema.js';
import { runPool } from '../../src/sweep/pool.js';
import { streamCsv, streamRuns } from '../../src/sweep/read-runs.js';
import { loadSweep, runSweep, type SweepOptions } from '../../src/sweep/session.js';
import { mergeShards } from '../../src/sweep/merge.js';
import { replayRuns, RunsDecoder } from '../../src/sweep/replay.js';
import type { Shard } from '../../src/sweep/types.js';
import { migsweep, Sink, sweepFile, tempDir } from './helpers.js';

const dir = tempDir();

/** 3 rates x 2 links x 2 variants x 3 replicates = 36 tasks; a jittery link makes replicates differ; one variant's policy gives text constants. */
const FILE = sweepFile(
  dir,
  'pq',
  `name: pq
seed: 5
replicates: 3
base:
  vm: { ram: 1GiB, zeroShare: 0.1 }
  workload: { kind: uniform, dirtyRate: 10MiB/s, workingSet: 256MiB }
  link: { bandwidth: 1Gbit/s, jitter: 0.2 }
  policy: { kind: qemu-2011 }
  horizon: 10min
axes:
  workload.dirtyRate: [1MiB/s, 30MiB/s, 300MiB/s]
  link.bandwidth: [100Mbit/s, 1Gbit/s]
variants:
  - name: qemu-2011
  - name: "treutner, capped"
    set: { policy: [{ kind: qemu-2011 }, { kind: max-passes, passes: 5 }, { kind: transfer-factor, factor: 2 }] }
`,
);
const { grid } = loadSweep(FILE);
const kinds = columnKinds(grid);
/** parts of 7 rows: not a multiple of the 3 replicates, so batches and scenarios straddle part boundaries */
const PART = 7;

interface RunOptions {
  workers?: number;
  batchSize?: number;
  shard?: Shard | null;
  /** ordinals to run (default all) */
  from?: number;
  to?: number;
  /** continue the run in `out` after its first `from` tasks (the sink keeps its whole parts) */
  resume?: boolean;
  /** the main thread writes the rows and columns from the workers' numbers (raw-batch.ts); default: with fewer workers than CPUs */
  mainWritesRows?: boolean;
}

let n = 0;
/** Run tasks through the pool with columns asked for; runs.csv (rows appended) and runs.parquet/ in `out`. */
async function run(o: RunOptions = {}, out = join(dir, `run-${n++}`)): Promise<string> {
  mkdirSync(out, { recursive: true });
  const shard = o.shard ?? null;
  const csv = join(out, 'runs.csv');
  if (!existsSync(csv)) writeFileSync(csv, csvText([grid.header]));
  const sink = new ParquetRunsSink({ runDir: out, grid, shard }, PART);
  if (o.resume) {
    await sink.held();
    sink.resume(o.from ?? 0);
  } else sink.create();
  await runPool({
    grid,
    shard,
    workers: o.workers ?? 2,
    from: o.from ?? 0,
    to: o.to ?? shardTaskCount(grid, shard),
    batchSize: o.batchSize,
    mainWritesRows: o.mainWritesRows,
    columnKinds: kinds,
    stopping: () => false,
    write: (r) => {
      appendFileSync(csv, r.text);
      sink.write(r);
    },
  });
  sink.close();
  return out;
}

function partFiles(out: string): string[] {
  return readdirSync(join(out, PARTS_DIR)).sort();
}

/** Every part's bytes, by name. */
function partBytes(out: string): Map<string, Buffer> {
  return new Map(partFiles(out).map((f) => [f, readFileSync(join(out, PARTS_DIR, f))]));
}

function assertSameParts(a: string, b: string): void {
  const x = partBytes(a);
  const y = partBytes(b);
  assert.deepEqual([...y.keys()], [...x.keys()]);
  for (const [name, bytes] of x) assert.ok(bytes.equals(y.get(name)!), `${name} differs`);
}

describe('runs.parquet', () => {
  test('holds the rows of runs.csv cell for cell: same columns in the same order, text as UTF-8, integral columns INT64, empty cells null (read by hyparquet)', async () => {
    const out = await run({ workers: 2 });
    // 36 tasks in parts of 7: 5 whole parts and one of 1
    assert.deepEqual(partFiles(out), ['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet', 'part-00003.parquet', 'part-00004.parquet', 'part-00005.parquet']);
    const [head, ...lines] = readFileSync(join(out, 'runs.csv'), 'utf8').trimEnd().split('\n');
    const header = parseCsvLine(head ?? '');
    const csvRows = lines.map(parseCsvLine);
    assert.equal(csvRows.length, 36);
    const rows: Record<string, unknown>[] = [];
    for (const f of partFiles(out)) {
      const bytes = readFileSync(join(out, PARTS_DIR, f));
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
      const meta = parquetMetadata(file);
      const leaves = meta.schema.slice(1);
      assert.deepEqual(
        leaves.map((s) => s.name),
        header,
      );
      const type = (name: string) => leaves.find((s) => s.name === name)!;
      assert.equal(type('replicate').type, 'INT64');
      assert.equal(type('syncs').type, 'INT64');
      assert.equal(type('totalTimeMs').type, 'DOUBLE');
      assert.equal(type('taskId').type, 'BYTE_ARRAY');
      assert.equal(type('taskId').logical_type?.type ?? type('taskId').converted_type, type('taskId').logical_type ? 'STRING' : 'UTF8');
      rows.push(...(await parquetReadObjects({ file })));
    }
    assert.equal(rows.length, 36);
    let nulls = 0;
    let texts = 0;
    csvRows.forEach((cells, r) => {
      header.forEach((name, c) => {
        const csv = cells[c];
        const v = rows[r]![name];
        if (csv === '') {
          assert.equal(v, null, `row ${r + 1} ${name}: an empty cell is null`);
          nulls++;
        } else if (kinds[c] === 'text') {
          assert.equal(v, csv, `row ${r + 1} ${name}`);
          texts++;
        } else {
          assert.equal(typeof v, kinds[c] === 'int64' ? 'bigint' : 'number', `row ${r + 1} ${name}`);
          assert.equal(Number(v), Number(csv), `row ${r + 1} ${name}`);
        }
      });
    });
    // the fixture has empty cells (error, postcopy columns) and text with a comma (a quoted CSV cell)
    assert.ok(nulls >= 36);
    assert.ok(texts >= 36 * 5);
    assert.ok(rows.some((row) => row.variant === 'treutner, capped'));
  });

  test('is the same bytes for 1 or 2 workers and any batch size', async () => {
    const a = await run({ workers: 1, batchSize: 3 });
    const b = await run({ workers: 2 });
    const c = await run({ workers: 2, batchSize: 12 });
    assertSameParts(a, b);
    assertSameParts(a, c);
  });

  test("is the same bytes whether the workers build the columns or the main thread does, reading each scenario's parameter cells back from the texts the worker sent", async () => {
    const inWorkers = await run({ workers: 1, mainWritesRows: false });
    const onMain = await run({ workers: 1, mainWritesRows: true, batchSize: 6 });
    assertSameParts(inWorkers, onMain);
    assert.equal(readFileSync(join(onMain, 'runs.csv'), 'utf8'), readFileSync(join(inWorkers, 'runs.csv'), 'utf8'));
  });

  test('stores -0 as 0, as runs.csv writes it and a merge reads it back', () => {
    const b = new RunColumnsBuilder(['double', 'text'], ['x', 'y'], 2);
    b.cell(0, -0);
    b.cell(1, -0);
    b.endRow();
    b.cell(0, -1.5);
    b.cell(1, 'ok');
    b.endRow();
    const [x, y] = b.done().columns as [Float64Array, { bytes: Uint8Array; offsets: Int32Array }];
    assert.ok(Object.is(x[0], 0));
    assert.equal(x[1], -1.5);
    assert.equal(Buffer.from(y.bytes).toString('utf8'), '0ok');
    assert.deepEqual([...y.offsets], [0, 1, 3]);
  });

  test('resumes to the same bytes: the whole parts are kept, a short last part is written again', async () => {
    const whole = await run({ workers: 1 });
    // interrupted after 24 tasks: parts 0-2 (21 rows) whole, part 3 short (3 rows)
    const out = await run({ workers: 2, to: 24 });
    assert.equal(partFiles(out).length, 4);
    const kept = keepWholeParts(out, grid, null, PART);
    assert.equal(kept, 21);
    assert.equal(partFiles(out).length, 3);
    await run({ workers: 2, from: 21, resume: true }, out);
    assertSameParts(whole, out);
  });

  test('resumes from a part boundary inside a scenario: the pool restarts at the scenario, the rows the parts hold are not written twice', async () => {
    const whole = await run({ workers: 1 });
    // 14 tasks = 2 whole parts; task 14 is the 3rd replicate of scenario 4, so the pool restarts at task 12
    const out = await run({ workers: 1, to: 15 });
    const kept = keepWholeParts(out, grid, null, PART);
    assert.equal(kept, 14);
    await run({ workers: 2, from: 12, resume: true }, out);
    assertSameParts(whole, out);
  });

  test("rows that come as runs.csv text only (a merge's) make the same parts as the workers' columns", async () => {
    const out = await run({ workers: 2 });
    const again = join(dir, 'from-text');
    const sink = new ParquetRunsSink({ runDir: again, grid, shard: null }, PART);
    sink.create();
    const decoder = new RunsDecoder(grid, 0);
    const lines = readFileSync(join(out, 'runs.csv'), 'utf8').trimEnd().split('\n').slice(1);
    // batches of 5 rows: not aligned with the parts of 7
    lines.forEach((line, i) => {
      decoder.add(line, 'runs.csv', i + 2);
      if (decoder.rows === 5) sink.write(decoder.take());
    });
    sink.write(decoder.take());
    sink.close();
    assertSameParts(out, again);
  });

  test('reads back as rows of cells (numbers, text, null), part after part', async () => {
    const out = await run({ workers: 2 });
    const stream = await streamParquet(join(out, PARTS_DIR), { columns: ['taskId', 'replicate', 'totalTimeMs', 'error', 'variant'], batchRows: 10 });
    assert.deepEqual(stream.columns, grid.header);
    const got: Record<string, unknown>[] = [];
    const sizes: number[] = [];
    for await (const batch of stream) {
      sizes.push(batch.length);
      got.push(...batch);
    }
    assert.deepEqual(sizes, [10, 10, 10, 6]);
    const csv = readFileSync(join(out, 'runs.csv'), 'utf8').trimEnd().split('\n').slice(1).map(parseCsvLine);
    const at = (name: string) => grid.header.indexOf(name);
    assert.deepEqual(
      got,
      csv.map((c) => ({ taskId: c[at('taskId')], replicate: Number(c[at('replicate')]), totalTimeMs: Number(c[at('totalTimeMs')]), error: null, variant: c[at('variant')] })),
    );
  });

  test('streamRuns reads a folder written both ways from runs.parquet, to the same cells as runs.csv', async () => {
    const out = await run({ workers: 2 });
    const parquet = await streamRuns(out);
    assert.equal(parquet.format, 'parquet');
    assert.equal(parquet.path, join(out, PARTS_DIR));
    const csv = await streamCsv(join(out, 'runs.csv'));
    assert.deepEqual(parquet.columns, csv.columns);
    const all = async (s: AsyncIterable<Record<string, unknown>[]>) => {
      const rows: Record<string, unknown>[] = [];
      for await (const b of s) rows.push(...b);
      return rows;
    };
    const [p, c] = [await all(parquet), await all(csv)];
    assert.equal(p.length, 36);
    assert.deepEqual(p, c);
  });

  test("a part the encoder thread cannot write fails the writer on the main thread with the system's code and the file", async () => {
    const out = join(dir, 'unwritable');
    const sink = new ParquetRunsSink({ runDir: out, grid, shard: null }, PART);
    sink.create();
    // the folder is replaced by a file: writing a part into it fails with ENOTDIR
    rmSync(join(out, PARTS_DIR), { recursive: true });
    writeFileSync(join(out, PARTS_DIR), 'not a folder');
    await runPool({ grid, shard: null, workers: 1, from: 0, to: 6, columnKinds: kinds, stopping: () => false, write: (r) => sink.write(r) });
    assert.throws(
      () => sink.close(),
      (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOTDIR' && String((e as NodeJS.ErrnoException).path).startsWith(join(out, PARTS_DIR)),
    );
  });

  describe('a damaged part is an InputError naming the file', () => {
    async function readAll(out: string) {
      const stream = await streamParquet(join(out, PARTS_DIR));
      for await (const _batch of stream);
    }
    test('cut short (no footer)', async () => {
      const out = await run({ workers: 1 });
      const file = join(out, PARTS_DIR, 'part-00002.parquet');
      truncateSync(file, 200);
      await assert.rejects(readAll(out), (e: unknown) => e instanceof InputError && e.file === file && /not a readable Parquet file/.test(e.message) && /--resume/.test(e.message));
    });
    test('not Parquet at all, as the first part', async () => {
      const out = await run({ workers: 1 });
      const file = join(out, PARTS_DIR, 'part-00000.parquet');
      writeFileSync(file, 'taskId,scenarioId\n1,2\n');
      await assert.rejects(readAll(out), (e: unknown) => e instanceof InputError && e.file === file);
    });
    test('a missing part', async () => {
      const out = await run({ workers: 1 });
      rmSync(join(out, PARTS_DIR, 'part-00001.parquet'));
      await assert.rejects(readAll(out), (e: unknown) => e instanceof InputError && e.file === join(out, PARTS_DIR, 'part-00001.parquet') && /is missing/.test(e.message));
    });
    test('resume refuses a part from another run', async () => {
      const out = await run({ workers: 1 });
      const other = await run({ workers: 1, shard: { index: 1, count: 2, from: '--shard' } });
      writeFileSync(join(out, PARTS_DIR, 'part-00001.parquet'), readFileSync(join(other, PARTS_DIR, 'part-00001.parquet')));
      assert.throws(
        () => keepWholeParts(out, grid, null, PART),
        (e: unknown) => e instanceof InputError && e.file === join(out, PARTS_DIR, 'part-00001.parquet') && /should be task/.test(e.message),
      );
    });
  });
});

describe('migsweep sweep --format parquet|both, resume and merge', () => {
  let k = 0;
  async function sweep(extra: Partial<SweepOptions>) {
    const out = extra.out ?? join(dir, `sweep-${k++}`);
    const r = await runSweep({ file: FILE, out, workers: 2, progress: 'quiet', stdout: new Sink(), stderr: new Sink(), hooks: [], ...extra });
    assert.equal(r.exitCode, 0);
    return out;
  }
  const text = (out: string, f: string) => readFileSync(join(out, f), 'utf8');
  /** Pretend the run was cut short: its manifest says interrupted (what --resume accepts). */
  function interrupted(out: string): void {
    const file = join(out, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as { status: string };
    m.status = 'interrupted';
    writeFileSync(file, JSON.stringify(m));
  }

  test("--format both writes runs.csv and runs.parquet; the parts are the same bytes for 1 or 2 workers and any batch size, and hold runs.csv's cells", async () => {
    const a = await sweep({ format: 'both', workers: 1, batchSize: 3 });
    const b = await sweep({ format: 'both', workers: 2 });
    assertSameParts(a, b);
    assert.equal(text(a, 'runs.csv'), text(b, 'runs.csv'));
    const fromParquet: unknown[] = [];
    for await (const batch of await streamRuns(a)) fromParquet.push(...batch);
    const fromCsv: unknown[] = [];
    for await (const batch of await streamCsv(join(a, 'runs.csv'))) fromCsv.push(...batch);
    assert.equal(fromParquet.length, 36);
    assert.deepEqual(fromParquet, fromCsv);
  });

  test('--format parquet writes no runs.csv, and the same summary.csv as --format csv', async () => {
    const p = await sweep({ format: 'parquet' });
    const c = await sweep({ format: 'csv' });
    assert.equal(existsSync(join(p, 'runs.csv')), false);
    assert.equal(partFiles(p).length, 1);
    assert.equal(text(p, 'summary.csv'), text(c, 'summary.csv'));
  });

  test('--resume of a --format both run whose runs.parquet holds fewer rows than runs.csv: both end as one uninterrupted run, no row twice', async () => {
    const whole = await sweep({ format: 'both' });
    const out = await sweep({ format: 'both' });
    interrupted(out);
    // runs.csv keeps its 36 rows; runs.parquet lost its only part: the run restarts at task 0 and runs.csv skips what it has
    rmSync(join(out, PARTS_DIR, 'part-00000.parquet'));
    await sweep({ out, resume: true });
    assert.equal(text(out, 'runs.csv'), text(whole, 'runs.csv'));
    assertSameParts(whole, out);
    assert.equal(text(out, 'summary.csv'), text(whole, 'summary.csv'));
  });

  test('a Parquet-only run replays its runs from the parts for the summary of a resume: the same batches as from runs.csv', async () => {
    const out = await run({ workers: 2 });
    const sink = new ParquetRunsSink({ runDir: out, grid, shard: null }, PART);
    const fromParquet = [];
    for await (const b of sink.replay(30)) fromParquet.push({ ...b, text: null });
    const fromCsv = [];
    for await (const b of replayRuns(join(out, 'runs.csv'), grid, 30)) fromCsv.push({ ...b, text: null });
    assert.equal(
      fromCsv.reduce((n, b) => n + b.status.length, 0),
      30,
    );
    assert.deepEqual(fromParquet, fromCsv);
  });

  test('migsweep merge and compare given a damaged part: exit 2 and a message naming the part, no stack trace', async () => {
    const s0 = await sweep({ format: 'parquet', shard: { index: 0, count: 2, from: '--shard' } });
    const s1 = await sweep({ format: 'parquet', shard: { index: 1, count: 2, from: '--shard' } });
    const part = join(s1, PARTS_DIR, 'part-00000.parquet');
    truncateSync(part, 100);
    const merged = migsweep(['merge', s0, s1, '--out', join(dir, 'merged-damaged'), '--format', 'parquet']);
    assert.equal(merged.code, 2);
    assert.ok(merged.err.includes(`${part}: is not a readable Parquet file`), merged.err);
    assert.doesNotMatch(merged.err, /\n\s+at /);
    const whole = await sweep({ format: 'parquet' });
    const damaged = await sweep({ format: 'parquet' });
    writeFileSync(join(damaged, PARTS_DIR, 'part-00000.parquet'), 'not parquet');
    const compared = migsweep(['compare', whole, damaged]);
    assert.equal(compared.code, 2);
    assert.ok(compared.err.includes(join(damaged, PARTS_DIR, 'part-00000.parquet')), compared.err);
    assert.doesNotMatch(compared.err, /\n\s+at /);
  });

  test('merge of --format parquet shards (no runs.csv) writes the parts, runs.csv and summary.csv one machine writes', async () => {
    const whole = await sweep({ format: 'both' });
    const s0 = await sweep({ format: 'parquet', shard: { index: 0, count: 2, from: '--shard' } });
    const s1 = await sweep({ format: 'parquet', shard: { index: 1, count: 2, from: '--shard' } });
    const merged = join(dir, 'merged-both');
    const r = await mergeShards({ dirs: [s1, s0], out: merged, format: 'both', quiet: true, stdout: new Sink(), stderr: new Sink(), hooks: [] });
    assert.equal(r.exitCode, 0);
    assertSameParts(whole, merged);
    assert.equal(text(merged, 'runs.csv'), text(whole, 'runs.csv'));
    assert.equal(text(merged, 'summary.csv'), text(whole, 'summary.csv'));
  });
});
