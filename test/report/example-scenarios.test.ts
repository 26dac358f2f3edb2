/**
 * The scenarios a timeline runs again: found at the grid index summary.csv's
 * row number gives (RunFolder.rowOrdinals), checked by their id, and found
 * by going through the grid when that index is wrong or missing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridFromManifest, scenariosOfTasks } from '../../src/report/example-runs.js';
import { readRunFolder } from '../../src/report/run-folder.js';
import { decodeScenario, scenarioIdOf } from '../../src/sweep/grid.js';
import { itemAt } from '../../src/common/lookup.js';
import { runFixtureSweep, SEED_THREAD_SWEEP } from './sweep-run.js';

test("summary.csv's row k is the grid's scenario k, and the scenarios found from those row numbers are the ones a pass over the grid finds", async () => {
  const dir = await runFixtureSweep(SEED_THREAD_SWEEP, 'ordinals');
  const run = await readRunFolder(dir);
  const built = gridFromManifest(run.manifest);
  assert.ok('grid' in built, 'the grid is rebuilt from manifest.json');
  const grid = built.grid;
  // 12 rates x 3 links x 4 variants, every row kept (no axis is sampled at this size)
  assert.equal(grid.scenarios, 144);
  const ordinals = run.rowOrdinals!;
  assert.equal(ordinals.size, 144);
  const digits: number[] = [];
  for (const [id, k] of ordinals) {
    const v = itemAt(grid.variants, decodeScenario(grid, k, digits).variant);
    assert.equal(scenarioIdOf(v, digits), id, `row ${k}`);
  }

  const ids = [itemAt(run.summary.rows, 7).scenarioId, itemAt(run.summary.rows, 100).scenarioId, itemAt(run.summary.rows, 143).scenarioId].map(String);
  const scanned = scenariosOfTasks(grid, ids, 0);
  assert.deepEqual([...scanned.keys()].sort(), [...ids].sort());
  assert.deepEqual(scenariosOfTasks(grid, ids, 0, ordinals), scanned);
  // wrong row numbers (another scenario's, out of the grid, not whole): found all the same, by the pass over the grid
  const wrong = new Map([
    [ids[0]!, 8],
    [ids[1]!, 144],
    [ids[2]!, 1.5],
  ]);
  assert.deepEqual(scenariosOfTasks(grid, ids, 0, wrong), scanned);
  // each replicate has its own seed
  const second = scenariosOfTasks(grid, ids, 1, ordinals);
  assert.notEqual(second.get(ids[0]!)!.seed, scanned.get(ids[0]!)!.seed);
});
