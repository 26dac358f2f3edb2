/** The bench's sweep files are the sizes their rows claim: 500 dirty rates x 500 bandwidths x replicates. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../src/sweep/output.js';
import { loadSweep } from '../../src/sweep/session.js';

test('bench/sweeps: million.yaml is 1,000,000 tasks (500 x 500 x 4), ten-million.yaml 10,000,000 (500 x 500 x 40)', () => {
  for (const [name, tasks] of [
    ['million', 1_000_000],
    ['ten-million', 10_000_000],
  ] as const) {
    const { grid } = loadSweep(join(PACKAGE_ROOT, 'bench', 'sweeps', `${name}.yaml`));
    assert.equal(grid.tasks, tasks, name);
  }
});
