import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { migsweep, read, SMALL, tempDir, tuneFile } from './helpers.js';

test('migsweep tune ends with the settings as nova.conf writes them; --check with the tuning seed holds; a bad --seed is bad input', () => {
  const dir = tempDir();
  const file = tuneFile(dir, 'small', SMALL);
  const out = join(dir, 'run');
  const r = migsweep(['tune', file, '--out', out, '--workers', '1', '--budget', '50']);
  assert.equal(r.code, 0, r.err);
  const best = JSON.parse(read(join(out, 'best.json'))) as { constants: Record<string, number> };
  const lines = r.out.trimEnd().split('\n');
  const downtimeMs = Math.round((best.constants['policy[1].downtime'] ?? NaN) * 1000);
  assert.deepEqual(lines.slice(-2), [
    `  nova.conf [libvirt]: live_migration_downtime = ${downtimeMs}`,
    `  nova.conf [libvirt]: live_migration_downtime_steps = ${best.constants['policy[1].steps']}`,
  ]);
  assert.match(r.err, /^tune small: 2 constants, population 6 points x 2 replicates = 12 runs per candidate; budget 50 evaluations \(grid of 12\)/);

  const same = migsweep(['tune', '--check', join(out, 'best.json'), '--seed', '7', '--workers', '1']);
  assert.equal(same.code, 0, same.err);
  assert.match(same.out, /with seed 7 \(the seed it was tuned with: not a fresh draw\), 12 runs:/);
  assert.match(same.out, /every constraint still holds\n$/);

  const bad = migsweep(['tune', '--check', join(out, 'best.json'), '--seed', 'x1']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--seed: expected a whole number from 0 to 4294967295, found 'x1'/);
});
