/**
 * Reading back the CSV files a sweep writes (runs.csv, summary.csv). They
 * come from csv-stringify with its defaults (RFC 4180: comma, double quotes,
 * a doubled quote inside quotes, quoted fields may hold commas and newlines),
 * so this reads exactly that dialect and nothing more.
 */
import type { Cell, Table } from './types.js';

/** Split RFC 4180 text into records of raw strings. A final line break is optional. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') endRecord();
    else if (c === '\r' && text[i + 1] === '\n') {
      endRecord();
      i++;
    } else field += c;
  }
  if (quoted) throw new Error('unterminated quoted field at the end of the file');
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

/**
 * A CSV file as a table: the first record names the columns; an empty cell
 * is null (the sweep writes null and NaN as empty), a cell that is a number
 * in full becomes that number, anything else stays a string. Columns in
 * `textColumns` stay strings (a variant may be called `10`).
 */
export function parseCsvTable(text: string, file = 'CSV', textColumns: ReadonlySet<string> = new Set()): Table {
  const records = parseCsvRecords(text);
  if (records.length === 0) throw new Error(`${file}: empty file, expected a header line`);
  const columns = records[0];
  const rows = records.slice(1).map((rec, n) => {
    if (rec.length !== columns.length) throw new Error(`${file}: line ${n + 2} has ${rec.length} fields, the header has ${columns.length}`);
    const row: Record<string, Cell> = {};
    for (let k = 0; k < columns.length; k++) {
      const raw = rec[k];
      row[columns[k]] = textColumns.has(columns[k]) ? (raw === '' ? null : raw) : toCell(raw);
    }
    return row;
  });
  return { columns, rows };
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function toCell(raw: string): Cell {
  if (raw === '') return null;
  return NUMBER.test(raw) ? Number(raw) : raw;
}
