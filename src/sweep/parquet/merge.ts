/**
 * `migsweep merge` for runs.parquet: the shards' parts read in step and
 * written again by the part writer in the sweep's task order (shard K holds
 * scenarios K, K + N, ...; each scenario's replicates are consecutive), so
 * the merged parts are the bytes one machine writes. Every row's task id is
 * checked on the way.
 */
import { join } from 'node:path';
import { InputError } from '../../scenario/errors.js';
import { shardTaskCount, taskInfo } from '../grid.js';
import type { Grid, Shard } from '../types.js';
import { readPartColumns } from './part-columns.js';
import { ParquetRunsWriter, PART_ROWS, PARTS_DIR } from './part-writer.js';
import { listParts } from './read.js';
import { isText, type RunColumns, type TextColumn } from './run-columns.js';
import { columnKinds, type ColumnKind } from './schema.js';

/** Reads a shard's parts one after the other, a scenario's rows at a time. */
class ShardCursor {
  private readonly parts: string[];
  private next = 0;
  private current: RunColumns | null = null;
  private file = '';
  private at = 0;
  constructor(
    readonly dir: string,
    private readonly header: readonly string[],
    private readonly kinds: readonly ColumnKind[],
  ) {
    this.parts = listParts(join(dir, PARTS_DIR));
  }
  /** The columns holding the next row, and its index in them; null at the end. */
  peek(): { cols: RunColumns; row: number; file: string } | null {
    while (this.current === null || this.at >= this.current.rows) {
      if (this.next >= this.parts.length) return null;
      this.file = this.parts[this.next++];
      this.current = readPartColumns(this.file, this.header, this.kinds);
      this.at = 0;
    }
    return { cols: this.current, row: this.at, file: this.file };
  }
  advance(n: number): void {
    this.at += n;
  }
}

const decoder = new TextDecoder();
function textAt(col: TextColumn, row: number): string {
  return decoder.decode(col.bytes.subarray(col.offsets[row], col.offsets[row + 1]));
}

/** Merge the runs.parquet of the complete shards (in index order) into `outDir`; the rows written. */
export function mergeParquetShards(shardDirs: readonly string[], outDir: string, grid: Grid, partRows = PART_ROWS): number {
  const n = shardDirs.length;
  const kinds = columnKinds(grid);
  const cursors = shardDirs.map((d) => new ShardCursor(d, grid.header, kinds));
  const writer = new ParquetRunsWriter(outDir, grid.header, kinds, 0, partRows);
  const taskIds = grid.header.indexOf('taskId');
  const digits: number[] = [];
  let o = 0;
  for (let g = 0; g < grid.scenarios; g++) {
    const k = g % n;
    let left = grid.replicates;
    while (left > 0) {
      const p = cursors[k].peek();
      if (p === null) {
        const shard: Shard = { index: k, count: n, from: 'merge' };
        throw new InputError(join(shardDirs[k], PARTS_DIR), [
          { path: '', message: `ends before task ${taskInfo(grid, null, o, digits).taskId}: the shard has fewer rows than its ${shardTaskCount(grid, shard)} tasks` },
        ]);
      }
      const take = Math.min(left, p.cols.rows - p.row);
      const ids = p.cols.columns[taskIds];
      for (let i = 0; i < take; i++) {
        const expected = taskInfo(grid, null, o + i, digits).taskId;
        const found = isText(ids) ? textAt(ids, p.row + i) : '';
        if (found !== expected) throw new InputError(p.file, [{ path: '', message: `has '${found}' where task ${expected} should be; the shard is damaged` }]);
      }
      writer.append(p.cols, o, p.row, p.row + take);
      cursors[k].advance(take);
      o += take;
      left -= take;
    }
  }
  for (const c of cursors) if (c.peek() !== null) throw new InputError(join(c.dir, PARTS_DIR), [{ path: '', message: 'has more rows than its tasks; the shard is damaged' }]);
  writer.finish();
  return o;
}
