/**
 * What runs after a sweep (or a merge) has written its folder: the CLI
 * passes the report writer (SweepOptions.hooks), so that the sweep does not
 * depend on the report. A hook may return the path of what it wrote; the
 * last line of the sweep's output names it.
 */
import type { Manifest } from './output.js';
import type { Sink } from './sink.js';

export interface AfterSweepHook {
  (runDir: string): Promise<string | void>;
  /**
   * Optional: a sink the sweep feeds its batches to while it runs (a whole
   * sweep of single VMs, not a shard), so that the hook gathers what it
   * needs as the rows pass instead of reading the files back afterwards.
   * `summaryHeader`: summary.csv's columns; `manifest`: as written at the start.
   */
  watch?(runDir: string, summaryHeader: readonly string[], manifest: Manifest): Sink;
}
