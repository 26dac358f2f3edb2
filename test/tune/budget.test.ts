import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parseBudget } from '../../src/tune/budget.js';
import { runTune } from '../../src/tune/session.js';
import { read, Sink, SMALL, tempDir, tuneFile } from './helpers.js';

const quiet = () => ({ stdout: new Sink(), stderr: new Sink(), quiet: true });

describe('--budget: evaluations or wall time', () => {
  test('a whole number is evaluations; a duration with its unit is wall time in seconds', () => {
    assert.deepEqual(parseBudget('200'), { kind: 'evaluations', evaluations: 200 });
    assert.deepEqual(parseBudget('30s'), { kind: 'time', seconds: 30 });
    assert.deepEqual(parseBudget('2min'), { kind: 'time', seconds: 120 });
    assert.deepEqual(parseBudget('500ms'), { kind: 'time', seconds: 0.5 });
    for (const bad of ['0', '0s', '1.5', '-3', 'ten', '5 furlongs', '']) assert.throws(() => parseBudget(bad), /expected a whole number of candidate evaluations/, bad);
  });

  const dir = tempDir();
  const file = tuneFile(dir, 'small', SMALL);

  test('a time budget the 12-point grid fits: the whole grid, the same answer as an evaluation budget, and the record says it is not reproducible', async () => {
    const byCount = await runTune({ file, out: join(dir, 'count'), budget: 50, workers: 0, ...quiet() });
    const stdout = new Sink();
    const byTime = await runTune({ file, out: join(dir, 'time'), budget: parseBudget('10min'), workers: 0, stdout, stderr: new Sink(), quiet: true });
    assert.equal(byTime.bestJson?.strategy, 'grid');
    assert.equal(byTime.bestJson?.budgetKind, 'time');
    assert.equal(byTime.bestJson?.budget, '600s');
    assert.match(byTime.bestJson?.budgetNote ?? '', /not reproducible/);
    assert.match(stdout.text, /the search ended within its time budget; a time budget: .* not reproducible/);
    assert.deepEqual(byTime.bestJson?.constants, byCount.bestJson?.constants);
    assert.equal(read(join(dir, 'time', 'candidates.csv')), read(join(dir, 'count', 'candidates.csv')));
    // an evaluation budget is the deterministic kind: no note
    assert.equal(byCount.bestJson?.budgetKind, 'evaluations');
    assert.equal(byCount.bestJson?.budget, 50);
    assert.equal(byCount.bestJson?.budgetNote, undefined);
  });

  test('a time budget that runs out: the search stops, keeps the best of what it evaluated, and candidates.csv holds exactly those', async () => {
    // 5 x 10 = 50 grid points
    const text = SMALL.replace('policy[1].downtime: [100ms, 300ms, 1s]', 'policy[1].downtime: { from: 100ms, to: 1s, scale: log }').replace(
      'policy[1].steps: { from: 3, to: 6, round: true }',
      'policy[1].steps: { from: 3, to: 12, round: true }',
    );
    for (const workers of [0, 2]) {
      const out = join(dir, `short-${workers}`);
      const r = await runTune({ file: tuneFile(dir, 'wide', text), out, budget: parseBudget('1ms'), workers, ...quiet() });
      const best = JSON.parse(read(join(out, 'best.json'))) as { id: string; evaluations: number; complete: boolean; budgetKind: string; feasible: boolean };
      assert.equal(best.budgetKind, 'time');
      assert.equal(best.complete, true, 'the end of a time budget is the end of the search, not an interruption');
      assert.equal(r.exitCode, best.feasible ? 0 : 1);
      const rows = parse<Record<string, string>>(read(join(out, 'candidates.csv')), { columns: true });
      const searched = rows.filter((row) => row.phase !== 'sensitivity');
      assert.equal(searched.length, best.evaluations);
      assert.ok(best.evaluations >= Math.max(1, workers), 'the candidates that measure the cost (one per worker) finish even past the time');
      // the recommendation is the best row: feasible first, then the smallest mean total time
      const key = (row: Record<string, string>) => (row.feasible === 'true' ? 0 : 1e12) + Number(row['totalTimeMs.mean']);
      const bestRow = searched.reduce((a, b) => (key(b) < key(a) ? b : a));
      if (best.feasible) assert.equal(best.id, bestRow.id);
      assert.equal(new Set(rows.map((row) => row.id)).size, rows.length);
    }
  });
});
