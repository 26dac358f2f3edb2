/**
 * summary.csv: the workers summarise the whole scenarios of their batches
 * (aggregate.ts), so this only appends their text. On resume it starts
 * again and is fed the runs already on disk (replay.ts), which summarise to
 * the same bytes.
 */
import { join } from 'node:path';
import { summaryHeader } from './aggregate.js';
import { csvText } from './csv.js';
import { SUMMARY_FILE } from './output.js';
import { OutputFile, type Sink, type WriteFaults } from './sink.js';
import type { BatchResult, Grid } from './types.js';

export class SummaryCsvSink implements Sink {
  readonly name: string;
  private readonly file: OutputFile;

  constructor(
    runDir: string,
    private readonly grid: Grid,
    faults?: WriteFaults,
  ) {
    this.name = join(runDir, SUMMARY_FILE);
    this.file = new OutputFile(this.name, faults);
  }

  create(): void {
    this.file.open('w').write(csvText([summaryHeader(this.grid)]));
  }

  resume(): 'replay' {
    this.create();
    return 'replay';
  }

  write(batch: BatchResult): void {
    if (batch.summary.length > 0) this.file.write(batch.summary);
  }

  close(): void {
    this.file.close();
  }
}
