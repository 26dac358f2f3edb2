/**
 * `--resume` for runs.parquet: which parts a run already has. A whole part
 * (PART_ROWS rows whose task ids are the tasks it should hold) is kept; a
 * last part that is short (written when the run was interrupted) and any
 * temporary file (a kill while a part was written) are removed, so that the
 * writer starts again at the first part it lacks and writes the same bytes
 * as a run that was never interrupted.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../common/errors.js';
import { shardTaskCount, taskInfo } from '../grid.js';
import type { Grid, Shard } from '../types.js';
import { PART_ROWS, PARTS_DIR } from './part-writer.js';
import { listParts, readPart } from './read.js';

/** Keep the run's whole parts (removing the rest); the first task ordinal they do not hold. */
export function keepWholeParts(runDir: string, grid: Grid, shard: Shard | null, partRows = PART_ROWS): number {
  const digits: number[] = [];
  const total = shardTaskCount(grid, shard);
  return keepWholePartsOf(join(runDir, PARTS_DIR), 'taskId', total, (o) => (o < total ? taskInfo(grid, shard, o, digits).taskId : '(none: the run has fewer tasks)'), partRows);
}

/**
 * Keep the whole parts of the part folder `dir` (removing the rest): row o
 * must hold `expected(o)` in its `idColumn` (null: not checked); `total`
 * rows make the run (its last part may be short). The first ordinal the
 * parts do not hold.
 */
export function keepWholePartsOf(dir: string, idColumn: string, total: number, expected: ((o: number) => string | number) | null, partRows = PART_ROWS): number {
  if (!existsSync(dir)) return 0;
  for (const name of readdirSync(dir)) if (name.endsWith('.tmp')) rmSync(join(dir, name));
  const parts = listParts(dir);
  let kept = 0;
  for (const [n, file] of parts.entries()) {
    const ids = readPart(file, [idColumn]).getChild(idColumn);
    const rows = ids?.length ?? 0;
    const whole = rows === partRows || (n * partRows + rows === total && rows > 0);
    if (!whole) {
      if (n !== parts.length - 1)
        throw new InputError(file, [
          { path: '', message: `holds ${rows} rows where a part holds ${partRows}, and is not the last part: the folder is damaged; start the run again (--force)` },
        ]);
      rmSync(file);
      break;
    }
    for (let i = 0; expected !== null && i < rows; i++) {
      const want = expected(n * partRows + i);
      const cell = ids!.get(i) as unknown;
      const found = typeof cell === 'bigint' ? Number(cell) : (cell as string | number | null);
      if (found !== want)
        throw new InputError(file, [
          {
            path: '',
            message: `row ${i + 1} should be ${idColumn === 'taskId' ? 'task' : idColumn} ${want}, found '${found}': the part is from another run or damaged; start the run again (--force)`,
          },
        ]);
    }
    kept = n * partRows + rows;
  }
  return kept;
}
