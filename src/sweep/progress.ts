/**
 * What the terminal shows while a sweep runs: a bar with rate and ETA on a
 * TTY (redrawn at most 10 times a second), a plain line every
 * LINE_INTERVAL_MS otherwise (CI logs, nightly jobs), nothing when quiet.
 */
import type { Writable } from 'node:stream';
import type { Sink } from './sink.js';
import { STATUS, type BatchResult } from './types.js';

export type ProgressMode = 'bar' | 'lines' | 'quiet';

const BAR_INTERVAL_MS = 100;
const LINE_INTERVAL_MS = 10_000;
const BAR_WIDTH = 24;

export class Progress {
  private readonly t0: number;
  private last = -Infinity;
  private drawn = false;

  /**
   * `total`: tasks of this folder; `startDone`: already done before this
   * session (a resume), so the rate counts only this session's work.
   */
  constructor(
    private readonly stream: Writable,
    private readonly mode: ProgressMode,
    private readonly total: number,
    private readonly startDone: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.t0 = now();
  }

  update(done: number, errors: number, force = false): void {
    if (this.mode === 'quiet') return;
    const t = this.now();
    const interval = this.mode === 'bar' ? BAR_INTERVAL_MS : LINE_INTERVAL_MS;
    if (!force && t - this.last < interval) return;
    this.last = t;
    const line = progressLine(done, this.total, this.startDone, (t - this.t0) / 1000, errors);
    if (this.mode === 'bar') {
      const filled = this.total > 0 ? Math.round((done / this.total) * BAR_WIDTH) : BAR_WIDTH;
      this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${line}`);
      this.drawn = true;
    } else {
      this.stream.write(`progress: ${line}\n`);
    }
  }

  /** End the bar's line (so that what follows starts on a fresh line). */
  finish(done: number, errors: number): void {
    if (this.mode === 'quiet') return;
    this.update(done, errors, true);
    if (this.mode === 'bar' && this.drawn) this.stream.write('\n');
  }
}

/** `45.0% 12,345/27,432 tasks, 3,210/s, ETA 5s, 2 errors` */
export function progressLine(done: number, total: number, startDone: number, seconds: number, errors: number): string {
  const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '100.0';
  const rate = seconds > 0 ? (done - startDone) / seconds : 0;
  const eta = rate > 0 && done < total ? `, ETA ${formatDuration((total - done) / rate)}` : '';
  const errs = errors > 0 ? `, ${errors} error${errors === 1 ? '' : 's'}` : '';
  return `${pct}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} tasks, ${Math.round(rate).toLocaleString('en-US')}/s${eta}${errs}`;
}

/** 42s, 3m 05s, 2h 10m */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The progress line as a sink: counts the tasks and errors of each batch (resumed runs start at what was done). */
export class ProgressSink implements Sink {
  readonly name = 'progress';
  private done: number;
  private errors: number;
  constructor(
    private readonly progress: Progress,
    done: number,
    errors: number,
  ) {
    this.done = done;
    this.errors = errors;
  }
  create(): void {}
  resume(): 'kept' {
    return 'kept';
  }
  write(batch: BatchResult): void {
    const n = batch.status.length;
    for (let i = 0; i < n; i++) if (batch.status[i] === STATUS.error) this.errors++;
    this.done += n;
    this.progress.update(this.done, this.errors);
  }
  close(): void {
    this.progress.finish(this.done, this.errors);
  }
}
