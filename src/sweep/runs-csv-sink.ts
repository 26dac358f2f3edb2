/**
 * runs.csv: the workers' text appended as it comes (the main thread does
 * no work per cell). On resume the file is checked row by row against the
 * tasks it should hold, a half-written last line is cut, and the rows past
 * the last whole scenario are dropped (verifyRuns, output.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { csvText } from './csv.js';
import { cutPartialLine, RUNS_FILE, truncateTo, verifyRuns } from './output.js';
import { replayRuns } from './replay.js';
import { OutputFile, type RunsSinkContext, type Sink } from './sink.js';
import type { BatchResult } from './types.js';

export class CsvRunsSink implements Sink {
  readonly name: string;
  private readonly file: OutputFile;
  private wholeBytes = 0;
  private wholeRows = 0;
  /** rows before this one are in the file already: a resume may restart earlier for another runs file (runs.parquet keeps whole parts only) */
  private skipBelow = 0;
  private ordinal = 0;

  constructor(private readonly c: RunsSinkContext) {
    this.name = join(c.runDir, RUNS_FILE);
    this.file = new OutputFile(this.name, c.faults);
  }

  create(): void {
    this.file.open('w').write(csvText([this.c.grid.header]));
  }

  async held(): Promise<{ rows: number; wholeRows: number }> {
    if (existsSync(this.name)) cutPartialLine(this.name);
    if (!existsSync(this.name) || statSync(this.name).size === 0) {
      this.create();
      this.file.close();
    }
    const kept = await verifyRuns(this.name, this.c.grid, this.c.shard);
    this.wholeBytes = kept.wholeBytes;
    this.wholeRows = kept.wholeRows;
    return kept;
  }

  resume(done: number): 'kept' {
    // held() found `done` whole rows in wholeBytes; anything after them is redone
    if (statSync(this.name).size > this.wholeBytes) truncateTo(this.name, this.wholeBytes);
    this.skipBelow = this.wholeRows;
    this.ordinal = done;
    this.file.open('a');
    return 'kept';
  }

  replay(rows: number): AsyncGenerator<BatchResult> {
    return replayRuns(this.name, this.c.grid, rows);
  }

  write(batch: BatchResult): void {
    const rows = batch.status.length;
    let text = batch.text;
    // the rows this file has already, when the run restarted before them for another runs file
    for (let skip = Math.min(rows, this.skipBelow - this.ordinal); skip > 0; skip--) text = text.subarray(text.indexOf(0x0a) + 1);
    this.ordinal += rows;
    this.file.write(text);
  }

  close(): void {
    this.file.close();
  }
}
