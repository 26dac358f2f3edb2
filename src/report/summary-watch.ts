/**
 * The report's reading of summary.csv, done while the sweep writes it: a
 * sink (src/sweep/sink.ts) that gets each batch's summary rows as they pass
 * and hands them to the same SummaryCollector that reads the file, so that
 * the report written after the sweep does not read summary.csv back (for
 * bench/sweeps/million.yaml, 250,000 rows and 228 MB: most of the report's
 * time). It only reads: a row it cannot take leaves the collection
 * unfinished and the report reads the file as `migsweep report` does.
 */
import { CellCursor } from '../sweep/csv.js';
import type { Sink } from '../sweep/sink.js';
import type { BatchResult } from '../sweep/types.js';
import { SummaryCollector } from './run-folder.js';
import type { Manifest } from './types.js';

export class SummaryWatch implements Sink {
  readonly name = "the report's reading of summary.csv";
  private collector: SummaryCollector | null = null;
  private readonly cursor = new CellCursor();
  /** false once a row could not be taken (then the report reads the file) */
  private usable = true;
  private closed = false;

  constructor(
    private readonly manifest: Manifest,
    private readonly header: readonly string[],
  ) {}

  create(): void {
    this.collector = new SummaryCollector(this.manifest);
    this.collector.header(this.header);
  }

  /** On resume it starts again and is fed the scenarios already done, as summary.csv is. */
  resume(): 'replay' {
    this.create();
    return 'replay';
  }

  write(batch: BatchResult): void {
    if (!this.usable || this.collector === null || batch.summary.length === 0) return;
    const text = Buffer.from(batch.summary.buffer, batch.summary.byteOffset, batch.summary.byteLength).toString('utf8');
    try {
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) {
        // a row's cells are found only as far as the collector reads them (about half of them, unless the row is kept);
        // a row short of the cells it reads throws (cell); the batch's first row is counted whole against the header
        const cells = this.cursor.part(text, from, nl);
        if (from === 0 && cells.cells() !== this.header.length) throw new Error(`a summary row of ${cells.count} cells, the header has ${this.header.length}`);
        this.collector.record((i) => cells.cell(i));
      }
    } catch {
      this.usable = false;
    }
  }

  close(): void {
    this.closed = true;
  }

  /** The rows collected, once the sweep has closed its outputs; null when the report must read summary.csv itself. */
  collected(): SummaryCollector | null {
    return this.usable && this.closed ? this.collector : null;
  }
}
