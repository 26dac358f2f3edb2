/**
 * manifest.json as a sink: it counts the tasks done and failed from the
 * batches (on resume, from the runs replayed), records each session, and is
 * written (write then rename, output.ts) when the run starts and when it
 * ends, with the status the session decides: complete, interrupted (a
 * signal, a failed write) or, if the process is killed, still running,
 * which --resume takes as unfinished.
 */
import { join } from 'node:path';
import { MANIFEST_FILE, writeManifest, type Manifest, type RunStatus } from './output.js';
import type { Sink } from './sink.js';
import { STATUS, type BatchResult } from './types.js';

export class ManifestSink implements Sink {
  readonly name: string;
  private startDone = 0;
  private readonly t0 = performance.now();

  constructor(
    private readonly runDir: string,
    readonly manifest: Manifest,
    private readonly workers: number,
  ) {
    this.name = join(runDir, MANIFEST_FILE);
  }

  get done(): number {
    return this.manifest.counts.done;
  }

  get errors(): number {
    return this.manifest.counts.errors;
  }

  create(): void {
    this.manifest.counts.done = 0;
    this.manifest.counts.errors = 0;
    writeManifest(this.runDir, this.manifest);
  }

  /** A new session of a run: its counts are redone from the runs replayed; save() once they are in. */
  resume(): 'replay' {
    const m = this.manifest;
    m.status = 'running';
    m.workers = this.workers;
    m.end = null;
    m.sessions.push({ start: new Date().toISOString(), end: null, workers: this.workers, tasks: 0 });
    m.counts.done = 0;
    m.counts.errors = 0;
    return 'replay';
  }

  /** Write the manifest as it stands (after a resume's replay: the counts this session starts from). */
  save(): void {
    this.startDone = this.manifest.counts.done;
    writeManifest(this.runDir, this.manifest);
  }

  write(batch: BatchResult): void {
    const counts = this.manifest.counts;
    for (let i = 0; i < batch.status.length; i++) if (batch.status[i] === STATUS.error) counts.errors++;
    counts.done = batch.end;
  }

  close(): void {}

  /** The end of this session: its tasks and time, the status; written. */
  finish(status: RunStatus): void {
    const m = this.manifest;
    const session = m.sessions[m.sessions.length - 1];
    const now = new Date().toISOString();
    if (session !== undefined) {
      session.end = now;
      session.tasks = m.counts.done - this.startDone;
    }
    m.durationMs += Math.round(performance.now() - this.t0);
    m.status = status;
    if (status === 'complete') m.end = now;
    writeManifest(this.runDir, m);
  }
}
