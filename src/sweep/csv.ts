/**
 * CSV as the sweep writes and reads it. Written with csv-stringify; every
 * record is one line (text cells never hold a line break: error messages
 * are flattened), so that a file can be counted, resumed, verified and
 * merged line by line without holding it in memory.
 */
import { createReadStream } from 'node:fs';
import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | null;

/** Text that csv-stringify quotes (RFC 4180): it holds a delimiter, a quote or a line break. */
const NEEDS_QUOTES = /[",\r\n]/;

/** Quoted text cells seen recently (policy labels repeat on every row of a variant). */
const quotedCache = new Map<string, string>();

function quoted(text: string): string {
  let q = quotedCache.get(text);
  if (q === undefined) {
    if (quotedCache.size > 10_000) quotedCache.clear();
    q = stringify([[text]]).slice(0, -1);
    quotedCache.set(text, q);
  }
  return q;
}

/**
 * Records as CSV text, the bytes csv-stringify writes for them. Numbers are
 * written as JavaScript prints them (the shortest text that reads back to
 * the same double, as csv-stringify casts them); null, NaN and infinities
 * are empty cells. A number or a plain text never needs quotes, so only a
 * text cell with a delimiter, quote or line break goes through
 * csv-stringify: csv-stringify's per-cell work (about 0.2-0.4 us) made a
 * summary row of 125 numbers cost ~45 us. A test checks the bytes against
 * csv-stringify on random records.
 */
export function csvText(records: readonly (readonly CsvCell[])[]): string {
  let out = '';
  for (const record of records) {
    for (let i = 0; i < record.length; i++) out += i > 0 ? `,${cellText(record[i])}` : cellText(record[i]);
    out += '\n';
  }
  return out;
}

/** One cell as csvText writes it. */
export function cellText(v: CsvCell | undefined): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'string') return NEEDS_QUOTES.test(v) ? quoted(v) : v;
  return '';
}

/** Texts up to this long are copied by Utf8Builder.addAscii when they are ASCII. */
const SHORT_TEXT = 32;

/** A character beyond Latin-1: text without one V8 can hold one byte a character. */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/**
 * The same text, held one byte a character where it can be. V8 (Node 20)
 * marks a string it has interned in place (a ThinString: any string once
 * used as a property key, as a scenario's `workload.kind` is when it is
 * looked up) as two bytes a character, and a string joined or concatenated
 * from one such piece is two-byte as a whole, and encoding it costs more:
 * Buffer.write of bench/sweeps/million.yaml's rows and summary lines took
 * 1.18 s of CPU with the workload's kind two-byte, 0.79 s without. Done
 * once per distinct cell text (RowWriter caches them), not per row.
 */
export function oneByteText(text: string): string {
  return !BEYOND_LATIN1.test(text) ? Buffer.from(text, 'latin1').toString('latin1') : text;
}

/**
 * Text encoded as UTF-8 into a growing buffer of its own, off the JS heap:
 * a batch's rows do not sit in the young generation while the engine
 * allocates (they would be copied at every scavenge), and the bytes move to
 * the main thread without a copy and go to the file as they are.
 */
export class Utf8Builder {
  private bytes: Buffer;
  private length = 0;
  constructor(capacity = 1 << 16) {
    // not zero-filled (only the bytes written are ever read) and not pooled (its ArrayBuffer is its own, transferable)
    this.bytes = Buffer.allocUnsafeSlow(capacity);
  }
  add(text: string): void {
    const need = this.length + text.length * 3;
    if (need > this.bytes.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(bigger, 0, 0, this.length);
      this.bytes = bigger;
    }
    if (text.length <= SHORT_TEXT && this.addAscii(text)) return;
    this.length += this.bytes.write(text, this.length);
  }
  /**
   * A short text of ASCII characters copied byte by byte: for the few
   * characters of a Parquet text cell (an id, an outcome, a policy name)
   * this costs about a third of a call into Buffer.write. False (nothing
   * written) for any other character.
   */
  private addAscii(text: string): boolean {
    const bytes = this.bytes;
    const at = this.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) return false;
      bytes[at + i] = c;
    }
    this.length = at + text.length;
    return true;
  }
  /** Bytes written so far. */
  get byteLength(): number {
    return this.length;
  }
  /** The bytes written: a view on the builder's own ArrayBuffer (transferable). */
  done(): Uint8Array {
    return new Uint8Array(this.bytes.buffer, 0, this.length);
  }
}

/** A text cell on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' | ');
}

/** Split one CSV record (RFC 4180 quoting, no line breaks inside) into its cells. */
export function parseCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new Error('unterminated quoted cell');
        cell += line.slice(j, q);
        if (line[q + 1] === '"') {
          cell += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      out.push(cell);
      if (j >= line.length) return out;
      if (line[j] !== ',') throw new Error(`unexpected '${line[j]}' after a quoted cell`);
      i = j + 1;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/**
 * The lines of a file in batches (one array per 1 MiB read), streamed: one
 * await per batch rather than per line. A last line without a newline is
 * included.
 */
export async function* readLineBatches(file: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    const lines = text.split('\n');
    rest = lines.pop() as string;
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [rest];
}

/** The lines of a file, one by one (for reading several files in step). */
export async function* readLines(file: string): AsyncGenerator<string> {
  for await (const batch of readLineBatches(file)) yield* batch;
}

/**
 * The cells of one record without splitting it into an array of strings:
 * `scan` finds where each cell starts and ends (quotes respected); `cell`
 * and `raw` cut out only what the caller needs. `part` reads a record
 * inside a longer text (a batch of lines) and finds its cells only as far
 * as `cell` asks (the report's reading of summary rows needs the first
 * half of their cells).
 */
export class CellCursor {
  private line = '';
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  /** where the next cell starts, and where the record ends; -1 once every cell is found */
  private next = -1;
  private end = 0;
  /** cells found so far (all of them after `scan`) */
  count = 0;

  scan(line: string): this {
    this.part(line, 0, line.length);
    this.find(Infinity);
    return this;
  }

  /** The record text[from, to), its cells found when asked for. */
  part(text: string, from: number, to: number): this {
    this.line = text;
    this.count = 0;
    this.next = from;
    this.end = to;
    return this;
  }

  /** Find cells until there are more than `want` or the record ends. */
  private find(want: number): void {
    const line = this.line;
    const end = this.end;
    let i = this.next;
    while (i >= 0 && this.count <= want) {
      if (line.charCodeAt(i) === 34 /* " */ && i < end) {
        let j = i + 1;
        for (;;) {
          const q = line.indexOf('"', j);
          if (q < 0 || q >= end) throw new Error('unterminated quoted cell');
          if (line.charCodeAt(q + 1) === 34 && q + 1 < end) j = q + 2;
          else {
            j = q + 1;
            break;
          }
        }
        this.push(i, j);
        i = j >= end ? -1 : j + 1;
      } else {
        const c = line.indexOf(',', i);
        if (c < 0 || c >= end) {
          this.push(i, end);
          i = -1;
        } else {
          this.push(i, c);
          i = c + 1;
        }
      }
    }
    this.next = i;
  }

  /** The number of cells of the record (finding them all). */
  cells(): number {
    this.find(Infinity);
    return this.count;
  }

  private push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const starts = new Int32Array(this.count * 2);
      const ends = new Int32Array(this.count * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count++] = end;
  }

  /** Cell i's text, unquoted; throws past the last cell (a row short of cells). */
  cell(i: number): string {
    if (i >= this.count) {
      this.find(i);
      if (i >= this.count) throw new Error(`a row of ${this.count} cells has no cell ${i + 1}`);
    }
    const a = this.starts[i]!;
    const b = this.ends[i]!;
    if (this.line.charCodeAt(a) !== 34) return this.line.slice(a, b);
    return this.line.slice(a + 1, b - 1).replaceAll('""', '"');
  }

  /** Whether cell i is empty. */
  empty(i: number): boolean {
    return this.starts[i] === this.ends[i];
  }

  /** Cells [from, to) as they are written in the line (quotes kept, commas between). */
  raw(from: number, to: number): string {
    return to > from ? this.line.slice(this.starts[from], this.ends[to - 1]) : '';
  }
}
