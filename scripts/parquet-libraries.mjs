#!/usr/bin/env node
/**
 * Which library writes runs.parquet: the measurement behind the choice
 * (docs/output.md, "Parquet"). Not part of `npm run bench`: the candidates
 * are not dependencies. Install them next to the project without saving
 * them, then run:
 *
 *   npm install --no-save hyparquet-writer hyparquet apache-arrow parquet-wasm @duckdb/node-api
 *   node scripts/parquet-libraries.mjs [rows]
 *
 * Every candidate writes the same synthetic rows shaped like runs.csv's
 * (a unique task id, a scenario id per 10 rows, a handful of low-cardinality
 * text columns, 4 integer columns, 40 double columns with ~5% empty cells,
 * an error column that is empty), from what the workers hand over: typed
 * arrays with NaN for an empty number, and the text of each text column.
 * Each is timed twice (the faster counts) from those arrays to the bytes of
 * one file; the two outputs are compared byte for byte (deterministic or not).
 */
import { performance } from 'node:perf_hooks';

const ROWS = Number(process.argv[2] ?? 131072);
const DOUBLES = 40;
const INTS = ['syncs', 'passes', 'postcopyFaults', 'seed'];
const TEXTS = { variant: 4, outcome: 3, stopReason: 6, policy: 4, base: 3, workload: 2 };

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The rows as column buffers: what a worker would transfer. */
function makeColumns() {
  const rnd = lcg(42);
  const taskId = new Array(ROWS);
  const scenarioId = new Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    const s = Math.floor(i / 10)
      .toString(16)
      .padStart(8, '0');
    scenarioId[i] = s;
    taskId[i] = `${s}-${i % 10}`;
  }
  const texts = {};
  for (const [name, card] of Object.entries(TEXTS)) {
    const col = new Array(ROWS);
    for (let i = 0; i < ROWS; i++) col[i] = `${name}-${Math.floor(i / 10) % card}`;
    texts[name] = col;
  }
  const replicate = new Float64Array(ROWS).map((_, i) => i % 10);
  const ints = Object.fromEntries(INTS.map((n) => [n, new Float64Array(ROWS).map(() => Math.floor(rnd() * 30))]));
  const doubles = [];
  for (let c = 0; c < DOUBLES; c++) {
    const a = new Float64Array(ROWS);
    // half the columns are parameters (the same for a scenario's replicates), half metrics
    for (let i = 0; i < ROWS; i++) a[i] = c % 2 === 0 ? (i % 10 === 0 ? rnd() * 1e6 : a[i - 1]) : rnd() < 0.05 ? NaN : rnd() * 1e4;
    doubles.push(a);
  }
  const error = new Array(ROWS).fill(null);
  return { taskId, scenarioId, texts, replicate, ints, doubles, error };
}

function withNulls(a) {
  const out = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number.isNaN(a[i]) ? null : a[i];
  return out;
}

async function hyparquet(cols, plain = false) {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = [
    { name: 'taskId', data: cols.taskId, type: 'STRING' },
    { name: 'scenarioId', data: cols.scenarioId, type: 'STRING' },
    { name: 'replicate', data: BigInt64Array.from(cols.replicate, BigInt), type: 'INT64' },
    ...Object.entries(cols.texts).map(([name, data]) => ({ name, data, type: 'STRING' })),
    ...Object.entries(cols.ints).map(([name, a]) => ({ name, data: BigInt64Array.from(a, BigInt), type: 'INT64' })),
    ...cols.doubles.map((a, c) => ({ name: `d${c}`, data: withNulls(a), type: 'DOUBLE' })),
    { name: 'error', data: cols.error, type: 'STRING' },
  ];
  // plain: no dictionary and no statistics for the number columns (what made parquet-wasm fast)
  if (plain) for (const c of columnData) if (c.type !== 'STRING') Object.assign(c, { encoding: 'PLAIN', statistics: false });
  return new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: ROWS, createdBy: 'bench' }));
}

/** A text column as a worker can hand it over: UTF-8 bytes, offsets, and a validity bitmap (set = not empty). */
function utf8Buffers(a) {
  const offsets = new Int32Array(a.length + 1);
  const valid = new Uint8Array((a.length + 7) >> 3);
  const parts = [];
  let at = 0;
  a.forEach((t, i) => {
    if (t !== null) {
      const b = Buffer.from(t);
      parts.push(b);
      at += b.length;
      valid[i >> 3] |= 1 << (i & 7);
    }
    offsets[i + 1] = at;
  });
  return { offsets, bytes: new Uint8Array(Buffer.concat(parts)), valid, nulls: a.filter((t) => t === null).length };
}

let arrowModule;
async function arrowTable(cols) {
  arrowModule ??= await import('apache-arrow');
  const { Table, makeVector, makeData, Utf8 } = arrowModule;
  // zero-copy: the Arrow layout is the buffers as they arrive
  const utf8 = (a) => {
    const b = (cols.buffers ??= new Map()).get(a) ?? cols.buffers.set(a, utf8Buffers(a)).get(a);
    return makeVector(makeData({ type: new Utf8(), length: a.length, valueOffsets: b.offsets, data: b.bytes, nullBitmap: b.nulls > 0 ? b.valid : undefined, nullCount: b.nulls }));
  };
  const num = (a) => {
    // validity bitmap from NaN: what a worker would send with the values
    const valid = new Uint8Array((a.length + 7) >> 3);
    let nulls = 0;
    for (let i = 0; i < a.length; i++)
      if (a[i] === a[i]) valid[i >> 3] |= 1 << (i & 7);
      else nulls++;
    return makeVector({ type: new arrowModule.Float64(), data: a, nullBitmap: nulls > 0 ? valid : undefined, nullCount: nulls, length: a.length });
  };
  const int = (a) => makeVector(BigInt64Array.from(a, BigInt));
  const columns = {
    taskId: utf8(cols.taskId),
    scenarioId: utf8(cols.scenarioId),
    replicate: int(cols.replicate),
    ...Object.fromEntries(Object.entries(cols.texts).map(([n, a]) => [n, utf8(a)])),
    ...Object.fromEntries(Object.entries(cols.ints).map(([n, a]) => [n, int(a)])),
    ...Object.fromEntries(cols.doubles.map((a, c) => [`d${c}`, num(a)])),
    error: utf8(cols.error),
  };
  return new Table(columns);
}

async function arrowIpc(cols) {
  const table = await arrowTable(cols);
  return arrowModule.tableToIPC(table, 'file');
}

async function parquetWasm(cols, textDictionaryOnly = false) {
  const pw = await import('parquet-wasm');
  const table = await arrowTable(cols);
  const ipc = arrowModule.tableToIPC(table, 'stream');
  let builder = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).setCreatedBy('bench').setMaxRowGroupSize(ROWS);
  // dictionaries only where they pay: repeated text (the dictionary attempt on 40 double columns cost ~8x the rest)
  if (textDictionaryOnly) {
    builder = builder.setDictionaryEnabled(false);
    for (const name of ['scenarioId', ...Object.keys(TEXTS)]) builder = builder.setColumnDictionaryEnabled(name, true);
  }
  const props = builder.build();
  return pw.writeParquet(pw.Table.fromIPCStream(ipc), props);
}

async function duckdb(cols) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pq-duckdb-'));
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  const names = ['taskId', 'scenarioId', 'replicate', ...Object.keys(cols.texts), ...INTS, ...cols.doubles.map((_, i) => `d${i}`), 'error'];
  const types = ['VARCHAR', 'VARCHAR', 'BIGINT', ...Object.keys(cols.texts).map(() => 'VARCHAR'), ...INTS.map(() => 'BIGINT'), ...cols.doubles.map(() => 'DOUBLE'), 'VARCHAR'];
  await c.run(`create table runs (${names.map((n, i) => `"${n}" ${types[i]}`).join(', ')})`);
  const a = await c.createAppender('runs');
  const texts = Object.values(cols.texts);
  const ints = Object.values(cols.ints);
  for (let i = 0; i < ROWS; i++) {
    a.appendVarchar(cols.taskId[i]);
    a.appendVarchar(cols.scenarioId[i]);
    a.appendBigInt(BigInt(cols.replicate[i]));
    for (const t of texts) a.appendVarchar(t[i]);
    for (const t of ints) a.appendBigInt(BigInt(t[i]));
    for (const d of cols.doubles) {
      const v = d[i];
      if (v === v) a.appendDouble(v);
      else a.appendNull();
    }
    a.appendNull();
    a.endRow();
  }
  a.closeSync();
  const file = join(dir, 'runs.parquet');
  await c.run(`copy runs to '${file}' (format parquet, compression snappy)`);
  const bytes = readFileSync(file);
  c.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true });
  return bytes;
}

const CANDIDATES = {
  'hyparquet-writer': (c) => hyparquet(c),
  'hyparquet-writer (numbers PLAIN)': (c) => hyparquet(c, true),
  'apache-arrow (IPC file)': arrowIpc,
  'parquet-wasm (+ apache-arrow)': (c) => parquetWasm(c),
  'parquet-wasm (dictionary: text only)': (c) => parquetWasm(c, true),
  '@duckdb/node-api (appender + COPY)': duckdb,
};

const cols = makeColumns();
console.log(`${ROWS.toLocaleString('en-US')} rows x ${3 + Object.keys(TEXTS).length + INTS.length + DOUBLES + 1} columns, Node ${process.version}`);
for (const [name, write] of Object.entries(CANDIDATES)) {
  try {
    const times = [];
    const outputs = [];
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      outputs.push(await write(cols));
      times.push(performance.now() - t0);
    }
    const ms = Math.min(...times);
    const same = Buffer.compare(Buffer.from(outputs[0]), Buffer.from(outputs[1])) === 0;
    console.log(
      `${name.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms  ${((ROWS / ms) * 1000).toFixed(0).padStart(9)} rows/s  ${(outputs[0].length / 2 ** 20).toFixed(1).padStart(6)} MiB  ${same ? 'same bytes twice' : 'BYTES DIFFER between two writes'}`,
    );
  } catch (e) {
    console.log(`${name.padEnd(36)} not measured: ${e.message}`);
  }
}
