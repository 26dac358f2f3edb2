/**
 * Features added to the model keep every published result: with their
 * parameters at the defaults, the shipped baseline sweeps give runs.csv and
 * summary.csv byte for byte as committed in results/baseline/ (the nightly
 * comparison reads those columns; a new column or a changed digit there is
 * a new baseline, made on purpose with `migsweep baseline update`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BASELINE_SWEEPS } from '../../src/cli/baseline.js';
import { PACKAGE_ROOT } from '../../src/sweep/output.js';
import { migsweep, tempDir } from '../sweep/helpers.js';

for (const name of BASELINE_SWEEPS) {
  test(`sweeps/${name}.yaml reproduces results/baseline/${name}/runs.csv and summary.csv byte for byte`, () => {
    const out = join(tempDir(), name);
    const r = migsweep(['sweep', join('sweeps', `${name}.yaml`), '--out', out, '--quiet', '--workers', '1'], {}, PACKAGE_ROOT);
    assert.equal(r.code, 0, r.err);
    for (const file of ['runs.csv', 'summary.csv']) {
      const made = readFileSync(join(out, file));
      const committed = readFileSync(join(PACKAGE_ROOT, 'results', 'baseline', name, file));
      assert.ok(made.equals(committed), `${file} of sweeps/${name}.yaml differs from results/baseline/${name}/${file}`);
    }
  });
}
