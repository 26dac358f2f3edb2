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
    return kept;
  }

  resume(done: number): 'kept' {
    // held() found `done` whole rows in wholeBytes; anything after them is redone
    if (statSync(this.name).size > this.wholeBytes) truncateTo(this.name, this.wholeBytes);
    void done;
    this.file.open('a');
    return 'kept';
  }

  replay(rows: number): AsyncGenerator<BatchResult> {
    return replayRuns(this.name, this.c.grid, rows);
  }

  write(batch: BatchResult): void {
    this.file.write(batch.text);
  }

  close(): void {
    this.file.close();
  }
}
