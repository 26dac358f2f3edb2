// Reads what the calibration guest (calibrate/guest/guest.c) prints on COM1.
// QEMU writes the serial port to a file (-serial file:...); the file only
// grows, so a reader keeps its offset and parses whole lines as they appear.
// The first guest line shares its line with SeaBIOS's "Booting from ROM.."
// (no newline in between), so keys are matched anywhere in a line.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

const RAW_TAIL_CHARS = 2000;

/** One line the guest printed, parsed. */
export type GuestLine =
  | { kind: 'boot'; tscKhz: number; wsPages: number; ratePagesPerSec: number; fill: boolean }
  | { kind: 'fill'; bytes: number; pages: number; fillMs: number; zeroLowPages: number }
  | { kind: 'ready' }
  | { kind: 'idle' }
  | { kind: 'tick'; guestSeconds: number; ratePagesPerSec: number; writes: number; rebases: number }
  | { kind: 'error'; message: string };

/** A parsed guest line with the host time (ms, performance.now()) at which it was read. */
export type TimedGuestLine = GuestLine & { hostTimeMs: number };

function fields(line: string, start: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [, key, value] of line.slice(start).matchAll(/([a-z_]+)=(\d+)/g)) if (key !== undefined && value !== undefined) out.set(key, Number(value));
  return out;
}

/** Parse one serial line; undefined for lines that are not the guest's (firmware noise). */
export function parseGuestLine(line: string): GuestLine | undefined {
  let at: number;
  if ((at = line.search(/\btick t=\d/)) >= 0) {
    const f = fields(line, at);
    return {
      kind: 'tick',
      guestSeconds: f.get('t') ?? 0,
      ratePagesPerSec: f.get('rate') ?? 0,
      writes: f.get('writes') ?? 0,
      rebases: f.get('rebases') ?? 0,
    };
  }
  if ((at = line.search(/\bboot tsc_khz=\d/)) >= 0) {
    const f = fields(line, at);
    return {
      kind: 'boot',
      tscKhz: f.get('tsc_khz') ?? 0,
      wsPages: f.get('ws_pages') ?? 0,
      ratePagesPerSec: f.get('rate') ?? 0,
      fill: f.get('fill') === 1,
    };
  }
  if ((at = line.search(/\bfill bytes=\d/)) >= 0) {
    const f = fields(line, at);
    return {
      kind: 'fill',
      bytes: f.get('bytes') ?? 0,
      pages: f.get('pages') ?? 0,
      fillMs: f.get('ms') ?? 0,
      zeroLowPages: f.get('zero_low_pages') ?? 0,
    };
  }
  const trimmed = line.trim();
  if (trimmed === 'ready') return { kind: 'ready' };
  if (trimmed === 'idle') return { kind: 'idle' };
  if ((at = line.search(/\berror /)) >= 0) return { kind: 'error', message: line.slice(at + 6).trim() };
  return undefined;
}

/** Incremental reader of a serial log file written by QEMU. */
export class SerialLog {
  private offset = 0;
  private partial = '';
  private rawTail = '';
  private readonly all: TimedGuestLine[] = [];

  constructor(readonly path: string) {}

  /** Every guest line read so far. */
  get lines(): readonly TimedGuestLine[] {
    return this.all;
  }

  /** Read what was appended since the last call; returns the new guest lines. */
  poll(nowMs: number): TimedGuestLine[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []; // QEMU has not created it yet
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = buf.subarray(0, n).toString('latin1');
      this.partial += text;
      this.rawTail = (this.rawTail + text).slice(-RAW_TAIL_CHARS);
    } finally {
      closeSync(fd);
    }
    const parts = this.partial.split('\n');
    this.partial = parts.pop() ?? '';
    const fresh: TimedGuestLine[] = [];
    for (const raw of parts) {
      const parsed = parseGuestLine(raw.replace(/\r/g, ''));
      if (parsed !== undefined) fresh.push({ ...parsed, hostTimeMs: nowMs });
    }
    this.all.push(...fresh);
    return fresh;
  }

  /** The last characters read, raw (for error messages). */
  tail(): string {
    return this.rawTail;
  }
}
