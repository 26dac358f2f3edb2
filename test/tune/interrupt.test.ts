import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { migsweep, migsweepBackground } from '../sweep/helpers.js';
import { read, tempDir } from './helpers.js';

const TUNE = fileURLToPath(new URL('../../../tunes/qemu-auto-converge.yaml', import.meta.url));

interface Best {
  id: string;
  complete: boolean;
  evaluations: number;
  feasible: boolean;
}

/** candidates.csv strictly parsed: every row as wide as the header (a half-written row would throw). */
const candidates = (file: string) => parse<Record<string, string>>(read(file), { columns: true, relax_column_count: false });

/** The best feasible row as docs/tune.md ranks them: the smallest mean throttled vCPU seconds, the earlier row on a tie. */
const bestRow = (rows: Record<string, string>[]) =>
  rows
    .filter((r) => r.feasible === 'true')
    .reduce<Record<string, string> | null>((a, b) => (a === null || Number(b['throttleCpuSeconds.mean']) < Number(a['throttleCpuSeconds.mean']) ? b : a), null);

test('Ctrl-C drops the candidates in flight, keeps the finished ones and the best of them (exit 130); --resume appends the rest, each candidate once', async () => {
  const out = join(tempDir(), 'run');
  const run = migsweepBackground(['tune', TUNE, '--out', out, '--budget', '400', '--workers', '2']);
  // interrupt once the first progress line says candidates are done
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      if (/tune: \d+\/400 evaluations/.test(d.toString())) {
        run.child.stderr.off('data', onData);
        run.child.kill('SIGINT');
        resolve();
      }
    };
    run.child.stderr.on('data', onData);
  });
  const done = await run.done;
  assert.equal(done.code, 130, done.err);
  assert.match(done.err, /stopping: the candidates in flight are dropped, the finished ones kept; --resume continues/);
  assert.match(done.out, /interrupted: --resume continues/);
  const before = read(join(out, 'candidates.csv'));
  const rows = candidates(join(out, 'candidates.csv'));
  const best = JSON.parse(read(join(out, 'best.json'))) as Best;
  assert.equal(best.complete, false);
  assert.equal(JSON.parse(read(join(out, 'tune.json'))).status, 'interrupted');
  // best.json speaks for exactly the rows written: no sensitivity probes after an interrupt, every evaluated candidate a row
  assert.ok(rows.length < 400, 'stopped before the budget');
  assert.equal(rows.length, best.evaluations);
  assert.equal(new Set(rows.map((r) => r.id)).size, rows.length);
  if (best.feasible) {
    assert.match(done.out, /best so far \([0-9a-f]{16}; the search is not finished\):/);
    assert.equal(best.id, bestRow(rows)?.id);
  }

  const resumed = migsweep(['tune', TUNE, '--out', out, '--budget', '400', '--workers', '2', '--resume', '--quiet']);
  assert.equal(resumed.code, 0, resumed.err);
  const after = read(join(out, 'candidates.csv'));
  assert.ok(after.startsWith(before) && after.length > before.length, 'candidates.csv is only appended to');
  const all = candidates(join(out, 'candidates.csv'));
  assert.equal(new Set(all.map((r) => r.id)).size, all.length, 'each candidate once, none of the dropped ones half-written');
  const final = JSON.parse(read(join(out, 'best.json'))) as Best;
  assert.equal(final.complete, true);
  assert.equal(final.id, bestRow(all.filter((r) => r.phase !== 'sensitivity'))?.id);
});
