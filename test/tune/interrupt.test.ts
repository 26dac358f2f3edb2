import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { migsweep, migsweepBackground } from '../sweep/helpers.js';
import { read, tempDir } from './helpers.js';

const TUNE = fileURLToPath(new URL('../../../tunes/qemu-auto-converge.yaml', import.meta.url));

test('Ctrl-C keeps the candidates done and best so far (exit 130); --resume appends the rest, each candidate once', async () => {
  const out = join(tempDir(), 'run');
  const run = migsweepBackground(['tune', TUNE, '--out', out, '--budget', '400', '--workers', '1']);
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
  assert.match(done.err, /stopping after the candidates in flight; --resume continues/);
  assert.match(done.out, /interrupted: --resume continues/);
  assert.match(done.out, /best so far \([0-9a-f]{16}; the search is not finished\):/);
  const before = read(join(out, 'candidates.csv'));
  const best = JSON.parse(read(join(out, 'best.json'))) as { complete: boolean };
  assert.equal(best.complete, false);

  const resumed = migsweep(['tune', TUNE, '--out', out, '--budget', '400', '--workers', '1', '--resume', '--quiet']);
  assert.equal(resumed.code, 0, resumed.err);
  const after = read(join(out, 'candidates.csv'));
  assert.ok(after.startsWith(before) && after.length > before.length);
  const ids = parse<Record<string, string>>(after, { columns: true }).map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal((JSON.parse(read(join(out, 'best.json'))) as { complete: boolean }).complete, true);
});
