/**
 * CSV as the sweep writes and reads it. Written with csv-stringify; every
 * record is one line (text cells never hold a line break: error messages
 * are flattened), so that a file can be counted, resumed, verified and
 * merged line by line without holding it in memory.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | null;

/**
 * Records as CSV text. Numbers are written as JavaScript prints them (the
 * shortest text that reads back to the same double); null, NaN and
 * infinities are empty cells.
 */
export function csvText(records: CsvCell[][]): string {
  if (records.length === 0) return '';
  return stringify(records, { cast: { number: (n) => (Number.isFinite(n) ? String(n) : '') } });
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

/** The lines of a file, streamed (a trailing line without a newline is yielded too; `complete` says whether it ended with one). */
export async function* readLines(file: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}
