import { InputError } from '../common/errors.js';
import type { SyncSample, TraceRow } from './trace-rows.js';

/** The input formats `migsweep import` reads (docs/import.md). */
export const IMPORT_FORMATS = ['guestperf', 'qmp', 'dirty-rate', 'domjobinfo'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A measurement file turned into trace phases. */
export interface Imported {
  format: ImportFormat;
  rows: TraceRow[];
  /** the guest page size the source states (bytes), when it states one */
  pageBytes?: number;
  /** one line each: what was read, what was skipped and why */
  notes: string[];
}

/** QEMU's target page size on x86, used when a source does not state one. */
export const DEFAULT_PAGE_BYTES = 4096;

/** Bad input at a line of the measurement file. */
export function badLine(file: string, line: number, message: string): InputError {
  return new InputError(file, [{ path: '', message, line }]);
}

/** A finite number >= 0, else undefined. */
export function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** A found value as a message shows it: JSON, or 'nothing' when absent. */
export function shown(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** The note for a capture during which auto-converge slowed the guest (undefined when it did not). */
export function throttleNote(maxThrottlePercent: number): string | undefined {
  return maxThrottlePercent > 0
    ? `auto-converge throttled the guest's vCPUs by up to ${maxThrottlePercent} % during this capture: the later rates are the throttled guest's, not its own`
    : undefined;
}

/**
 * The samples, checked to be of one migration in the order it ran: time and
 * sync count never go back (a file holding two migrations, or lines sorted
 * out of order, would otherwise merge into a trace of neither).
 */
export function inOrder(file: string, samples: SyncSample[], what: string): SyncSample[] {
  samples.forEach((s, k) => {
    const prev = samples[k - 1];
    if (prev === undefined) return;
    if (s.tS < prev.tS || (s.sync !== undefined && prev.sync !== undefined && s.sync < prev.sync))
      throw badLine(
        file,
        s.line ?? 1,
        `this ${what} (${s.tS} s, sync ${s.sync ?? '?'}) comes before the previous one (${prev.tS} s, sync ${prev.sync ?? '?'}): expected the ${what === 'reply' ? 'replies' : `${what}s`} of one migration, in the order they were taken`,
      );
  });
  return samples;
}
