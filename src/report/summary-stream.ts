/**
 * summary.csv, streamed record by record. The report reads every row of it
 * (one per scenario: 250,000 for bench/sweeps/million.yaml, 228 MB), so the
 * parser's speed is the report's: measured on that file, papaparse took
 * 3.7 s and csv-parse 24.8 s (same machine, same load; docs/report.md). The
 * records stay arrays of strings: the caller casts only the cells it keeps.
 */
import { createReadStream } from 'node:fs';
import Papa from 'papaparse';
import { InputError } from '../common/errors.js';

/**
 * Call `onRecord` with each record after the header (and its line number,
 * the header being line 1); return the header. A record with another
 * number of fields than the header, an unclosed quote or no header at all is
 * an InputError naming the file and line.
 */
export function streamSummary(file: string, onHeader: (columns: string[]) => void, onRecord: (record: string[], line: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let columns: string[] | null = null;
    let line = 0;
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      reject(new InputError(file, [{ path: line > 0 ? `line ${line}` : '', message }]));
    };
    const input = createReadStream(file, { highWaterMark: 1 << 20 });
    input.on('error', (e) => fail(e.message));
    Papa.parse<string[]>(input as unknown as File, {
      delimiter: ',',
      skipEmptyLines: true,
      step(results, parser) {
        if (failed) return parser.abort();
        line++;
        const record = results.data;
        const problem = results.errors[0];
        if (problem) return fail(`${problem.message} (a damaged summary.csv: run \`migsweep sweep --resume\` or the sweep again)`);
        if (columns === null) {
          columns = record;
          if (columns[0]?.charCodeAt(0) === 0xfeff) columns[0] = columns[0].slice(1);
          try {
            onHeader(columns);
          } catch (e) {
            failed = true;
            reject(e);
          }
          return;
        }
        if (record.length !== columns.length) return fail(`has ${record.length} fields, the header has ${columns.length}`);
        try {
          onRecord(record, line);
        } catch (e) {
          failed = true;
          reject(e);
        }
      },
      complete() {
        if (failed) return;
        if (columns === null) fail('is empty; expected a header line (the column names) and then one line per scenario');
        else resolve();
      },
      error(e) {
        fail(e.message);
      },
    });
  });
}
