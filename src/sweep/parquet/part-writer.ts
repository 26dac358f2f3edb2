/**
 * runs.parquet: a folder of part files, part-00000.parquet, part-00001.parquet,
 * ..., part n holding the run's tasks [n x PART_ROWS, (n + 1) x PART_ROWS) in
 * task order, one row group each. The boundaries depend on the task ordinal
 * only, and a part is encoded from one contiguous table whatever batches
 * filled it, so the bytes are the same for any worker count or batch size;
 * a shard's merge refills the same parts in the same order and writes the
 * same files as one machine.
 *
 * Why parts and not one file: a Parquet file is readable only once its
 * footer is written, at the end. A part is written to a temporary name and
 * renamed when complete, so an interrupted run keeps every whole part and
 * `--resume` restarts at the first missing one (at most PART_ROWS tasks are
 * redone); and memory holds one part being filled and at most
 * MAX_PARTS_IN_FLIGHT being encoded, never the run.
 *
 * The main thread only copies the workers' columns into the part (one
 * typed-array copy per column and batch, plus the text offsets); a full
 * part is handed (transferred, not copied) to an encoder thread
 * (encoder-thread.ts) that encodes and writes it. `finish()` waits for it.
 */
import { itemAt } from '../../common/lookup.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { PACKAGE_VERSION } from '../output.js';
import type { EncoderData, PartJob, PartOutcome } from './encoder-thread.js';
import type { PartData, PartText } from './part-encode.js';
import { isText, type RunColumns, type TextColumn } from './run-columns.js';
import type { ColumnKind } from './schema.js';

export { partName } from './part-encode.js';

/** The folder of part files in a run folder. */
export const PARTS_DIR = 'runs.parquet';
/** Rows (tasks) per part file and row group: 2^16 keeps a part of ~50 columns at ~30 MB while it fills. */
export const PART_ROWS = 65_536;
/** Parts handed to the encoder and not yet written: the writer waits beyond this (bounds memory when the encoder is slower). */
const MAX_PARTS_IN_FLIGHT = 2;
const ENCODER = new URL('./encoder-thread.js', import.meta.url);
/** How long the writer waits for a part before it checks again; twice this without progress and the encoder is taken for dead. */
const ENCODER_PATIENCE_MS = 150_000;

/**
 * The Parquet runs writer: rows arrive in task order (append), a part is
 * written as soon as it is full, and the last one at finish. Rows before
 * `from` (the first ordinal it lacks: a resumed run keeps its whole parts)
 * are skipped, so that the pool may restart earlier for another format.
 */
export class ParquetRunsWriter {
  readonly dir: string;
  private numbers: (Float64Array | null)[];
  private texts: (PartText | null)[];
  private encoder: Encoder | null = null;
  /** the ordinal of the part's first row, and the rows in it */
  private partStart: number;
  private filled = 0;
  private wroteAny: boolean;

  constructor(
    runDir: string,
    private readonly header: readonly string[],
    private readonly kinds: readonly ColumnKind[],
    from = 0,
    /** rows per part (tests use small parts to cross boundaries) */
    private readonly partRows = PART_ROWS,
    /** the part folder's name in the run folder (a sweep over fleets also writes migrations.parquet) */
    partsDir = PARTS_DIR,
  ) {
    if (from % partRows !== 0) throw new Error(`internal: the Parquet writer starts at a part boundary, not at task ${from}`);
    this.dir = join(runDir, partsDir);
    mkdirSync(this.dir, { recursive: true });
    this.partStart = from;
    this.wroteAny = from > 0;
    this.numbers = kinds.map((k) => (k === 'text' ? null : new Float64Array(partRows)));
    this.texts = kinds.map((k) => (k === 'text' ? newText(partRows) : null));
  }

  /** The first ordinal the writer lacks. */
  get next(): number {
    return this.partStart + this.filled;
  }

  /** Rows [from, to) of `batch`, whose row `from` is task `ordinal`. */
  append(batch: RunColumns, ordinal: number, from = 0, to = batch.rows): void {
    // rows the writer has already (a resume restarted before them for another format)
    if (ordinal < this.next) {
      from += this.next - ordinal;
      ordinal = this.next;
    }
    if (ordinal !== this.next && from < to) throw new Error(`internal: the Parquet writer expected task ${this.next}, got ${ordinal}`);
    while (from < to) {
      const n = Math.min(to - from, this.partRows - this.filled);
      this.copy(batch, from, n);
      from += n;
      this.filled += n;
      if (this.filled === this.partRows) this.writePart();
    }
  }

  /** Write the part being filled (the run's last, or what an interrupted run has) and wait until every part is on disk; an empty run gets one empty part, for its schema. */
  finish(): void {
    if (this.filled > 0 || !this.wroteAny) this.writePart();
    const encoder = this.encoder;
    this.encoder = null;
    encoder?.close();
  }

  private copy(batch: RunColumns, from: number, n: number): void {
    const at = this.filled;
    for (let c = 0; c < this.kinds.length; c++) {
      const col = itemAt(batch.columns, c);
      if (isText(col)) appendText(this.texts[c] as PartText, at, col, from, n);
      else (this.numbers[c] as Float64Array).set(col.subarray(from, from + n), at);
    }
  }

  private writePart(): void {
    const part: PartData = {
      header: this.header,
      kinds: this.kinds,
      rows: this.filled,
      partRows: this.partRows,
      createdBy: `migsweep ${PACKAGE_VERSION}`,
      numbers: this.numbers,
      texts: this.texts,
    };
    const n = this.partStart / this.partRows;
    const encoder = (this.encoder ??= new Encoder(this.dir));
    encoder.send({ n, part });
    this.wroteAny = true;
    this.partStart += this.filled;
    this.filled = 0;
    // the buffers went to the encoder: the next part gets new ones
    this.numbers = this.kinds.map((k) => (k === 'text' ? null : new Float64Array(this.partRows)));
    this.texts = this.kinds.map((k) => (k === 'text' ? newText(this.partRows) : null));
  }
}

function newText(rows: number): PartText {
  return { bytes: new Uint8Array(rows * 32), length: 0, offsets: new Int32Array(rows + 1) };
}

/**
 * The encoder thread and what it has been sent: sends parts (their buffers
 * transferred), waits synchronously (Atomics.wait) when too many are in
 * flight and at the end, and throws a part's write error on the main thread.
 */
class Encoder {
  private readonly worker: Worker;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private sent = 0;

  constructor(private readonly dir: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: EncoderData = { dir, done: this.done, port: port2 };
    this.worker = new Worker(ENCODER, { workerData: data, transferList: [port2] });
    // the writer waits for it synchronously; it must not keep the process alive on its own
    this.worker.unref();
  }

  send(job: PartJob): void {
    this.wait(MAX_PARTS_IN_FLIGHT - 1);
    const buffers = [...job.part.numbers, ...job.part.texts.flatMap((t) => (t ? [t.bytes, t.offsets] : []))].filter((b) => b !== null).map((b) => b.buffer as ArrayBuffer);
    this.worker.postMessage(job, buffers);
    this.sent++;
  }

  /** Wait until all parts are written, then stop the thread. */
  close(): void {
    try {
      this.wait(0);
    } finally {
      void this.worker.terminate();
    }
  }

  /** Block until at most `inFlight` parts are unwritten; a part that failed throws here. */
  private wait(inFlight: number): void {
    for (let idle = 0; ;) {
      this.drain();
      const finished = Atomics.load(this.done, 0);
      if (this.sent - finished <= inFlight) break;
      // a part takes well under a second; an encoder that finished nothing for minutes has died (its exit event cannot reach a blocked thread)
      if (Atomics.wait(this.done, 0, finished, ENCODER_PATIENCE_MS) === 'timed-out' && ++idle >= 2)
        throw new Error(
          `the Parquet encoder thread wrote no part of ${this.dir} for ${(2 * ENCODER_PATIENCE_MS) / 60_000} minutes; it has stopped (out of memory?); the whole parts are kept: resume the run with --resume`,
        );
    }
    this.drain();
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const outcome = m.message as PartOutcome;
      if (outcome.error) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code, path: outcome.error.path });
    }
  }
}

function appendText(part: PartText, at: number, col: TextColumn, from: number, n: number): void {
  const a = col.offsets[from]!;
  const b = col.offsets[from + n]!;
  if (part.length + (b - a) > part.bytes.length) {
    const bigger = new Uint8Array(Math.max(part.length + (b - a), part.bytes.length * 2));
    bigger.set(part.bytes.subarray(0, part.length));
    part.bytes = bigger;
  }
  part.bytes.set(col.bytes.subarray(a, b), part.length);
  const shift = part.length - a;
  for (let i = 1; i <= n; i++) part.offsets[at + i] = col.offsets[from + i]! + shift;
  part.length += b - a;
}
