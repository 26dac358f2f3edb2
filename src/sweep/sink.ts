/**
 * The sweep as a pipeline: a source of batches in task order (the pool; a
 * merge's shards; the runs already on disk when a run is resumed) feeding
 * sinks that each own one output: runs.csv, summary.csv, the terminal
 * table, the progress line (and Parquet, as one more runs sink). The
 * session (session.ts) and the merge (merge.ts) only wire sources to sinks;
 * adding an output adds a sink and touches neither.
 *
 * A sink's life: `create()` for a new run, or `resume(done)` for a run that
 * continues after its first `done` tasks; then `write()` for every batch in
 * task order; `close()` at the end, also after an interruption or a failure.
 * On resume a sink either keeps its output up to `done` ('kept': runs files,
 * cut back to the last whole scenario) or starts it again and is fed the
 * first `done` tasks read back from the runs on disk ('replay': summary.csv,
 * the terminal table), so that a resumed run writes the same bytes.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { BatchResult } from './types.js';

export interface Sink {
  /** what it writes, for messages: a path, or a name such as `progress` */
  readonly name: string;
  /** a new run: create the output (a header) */
  create(): void;
  /**
   * Only for sinks that hold runs (a runs file): how many of the shard's
   * first tasks the output holds up to its last whole scenario, after
   * cutting what a kill left half written; an InputError when it is not
   * this sweep's.
   */
  held?(): Promise<{ rows: number; wholeRows: number }>;
  /** Only for sinks that hold runs: their first `rows` rows read back as batches (for the sinks that replay on resume). */
  replay?(rows: number): AsyncGenerator<BatchResult>;
  /** continue after the first `done` tasks: keep the output up to there, or start again and get them replayed */
  resume(done: number): 'kept' | 'replay';
  /** one batch, in task order */
  write(batch: BatchResult): void;
  /** flush and close (after the last batch, an interruption or a failure) */
  close(): void;
}

/** What a runs sink is built from (see RUNS_SINKS). */
export interface RunsSinkContext {
  runDir: string;
  grid: import('./types.js').Grid;
  shard: import('./types.js').Shard | null;
  faults?: WriteFaults;
}

/**
 * A failed write into the run folder (disk full, read-only, no permission,
 * an I/O error): the file and what happened, in words. The session stops,
 * keeps everything written and says how to continue.
 */
export class WriteFailure extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    detail: string,
  ) {
    super(`cannot write ${file}: ${WRITE_ERRORS[code] ?? detail}${code ? ` (${code})` : ''}`);
    this.name = 'WriteFailure';
  }
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than the file system allows',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an input/output error (a failing disk or a lost network file system)',
};

/**
 * Injected write failures, for tests: every OutputFile sharing one
 * WriteFaults fails with `code` once `afterBytes` bytes have been written
 * through them in all (the last write is cut there, as a filling disk does).
 */
export interface WriteFaults {
  afterBytes: number;
  code: string;
  /** bytes written so far (shared) */
  written?: number;
}

/** A file a sink appends to with plain writeSync calls; any failure a WriteFailure naming the file. */
export class OutputFile {
  private fd: number | null = null;
  constructor(
    readonly path: string,
    private readonly faults?: WriteFaults,
  ) {}

  /** 'w': a new file; 'a': append to what is there */
  open(mode: 'w' | 'a'): this {
    this.fd = this.guard(() => openSync(this.path, mode));
    return this;
  }

  write(data: Uint8Array | string): void {
    const fd = this.fd;
    if (fd === null) throw new Error(`internal: ${this.path} written before it was opened`);
    let bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const f = this.faults;
    if (f !== undefined) {
      const room = f.afterBytes - (f.written ?? 0);
      if (bytes.length > room) {
        if (room > 0) writeSync(fd, bytes.subarray(0, room));
        f.written = f.afterBytes;
        throw new WriteFailure(this.path, f.code, 'injected');
      }
      f.written = (f.written ?? 0) + bytes.length;
    }
    // writeSync may write less than asked (a disk filling up): the rest is written again, and then fails with the reason
    while (bytes.length > 0) {
      const n = this.guard(() => writeSync(fd, bytes));
      bytes = bytes.subarray(n);
    }
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    this.guard(() => closeSync(fd));
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (e instanceof WriteFailure || typeof err.code !== 'string') throw e;
      throw new WriteFailure(this.path, err.code, err.message);
    }
  }
}

/** Feed one batch to every sink. */
export function writeAll(sinks: readonly Sink[], batch: BatchResult): void {
  for (const s of sinks) s.write(batch);
}

/** Close every sink; the first failure is thrown after all were tried (or ignored: closing after another failure). */
export function closeAll(sinks: readonly Sink[], quietly = false): void {
  let first: { error: unknown } | null = null;
  for (const s of sinks) {
    try {
      s.close();
    } catch (e) {
      first ??= { error: e };
    }
  }
  if (first !== null && !quietly) throw first.error;
}

/** A failed write or folder creation as a WriteFailure (null when `e` is something else). */
export function asWriteFailure(e: unknown): WriteFailure | null {
  if (e instanceof WriteFailure) return e;
  const err = e as NodeJS.ErrnoException;
  if (err instanceof Error && typeof err.code === 'string' && err.code in WRITE_ERRORS) return new WriteFailure(err.path ?? 'the run folder', err.code, err.message);
  return null;
}
