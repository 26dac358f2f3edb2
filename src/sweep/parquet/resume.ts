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
  const dir = join(runDir, PARTS_DIR);
  if (!existsSync(dir)) return 0;
  for (const name of readdirSync(dir)) if (name.endsWith('.tmp')) rmSync(join(dir, name));
  const parts = listParts(dir);
  const total = shardTaskCount(grid, shard);
  const digits: number[] = [];
  let kept = 0;
  for (const [n, file] of parts.entries()) {
    const ids = readPart(file, ['taskId']).getChild('taskId');
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
    for (let i = 0; i < rows; i++) {
      const o = n * partRows + i;
      const expected = o < total ? taskInfo(grid, shard, o, digits).taskId : '(none: the run has fewer tasks)';
      const found = ids!.get(i) as string | null;
      if (found !== expected)
        throw new InputError(file, [
          { path: '', message: `row ${i + 1} should be task ${expected}, found '${found}': the part is from another run or damaged; start the run again (--force)` },
        ]);
    }
    kept = n * partRows + rows;
  }
  return kept;
}
