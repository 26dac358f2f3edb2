import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkEveryScenario } from '../../src/sweep/check.js';
import { schemaText, SCHEMA_FILE } from '../../src/sweep/json-schema.js';
import { loadSweep } from '../../src/sweep/session.js';
import { SWEEPS } from './helpers.js';
import { isFleetSweep, readFleetSweep } from '../../src/fleet/sweep-spec.js';
import { readDocument } from '../../src/scenario/document.js';

describe('the sweeps shipped in sweeps/', () => {
  test('every sweeps/*.yaml is valid, every scenario of it included', () => {
    const files = readdirSync(SWEEPS).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.includes('default.yaml'));
    for (const f of files) {
      const file = join(SWEEPS, f);
      const doc = readDocument(file);
      // a sweep over fleets (docs/fleets.md) has its own grid; readFleetSweep checks every fleet
      if (isFleetSweep(doc.data)) readFleetSweep(doc.data as Record<string, unknown>, file, doc);
      else checkEveryScenario(loadSweep(file));
    }
  });

  test("default.yaml is the 2011 debate: 13 dirty rates x 3 links x the thread's 4 answers x 3 replicates = 468 tasks", () => {
    const { grid } = loadSweep(join(SWEEPS, 'default.yaml'));
    assert.equal(grid.tasks, 468);
    assert.deepEqual(
      grid.variants.map((v) => v.policy),
      ['qemu-2011', 'qemu-2011 + max-passes(10) + transfer-factor(3)', 'qemu-2011 + convergence-timeout(1min, 1min, 2)', 'qemu-2011 + pause-after(1min)'],
    );
    const rates = grid.variants[0]!.dims[0]!.values.map(([v]) => v);
    assert.deepEqual(
      rates,
      Array.from({ length: 13 }, (_, i) => 2 ** (20 + i)),
    );
    assert.deepEqual(
      grid.variants[0]!.dims[1]!.values.map(([v]) => v),
      [12.5e6, 125e6, 1.25e9],
    );
  });

  test('seed-thread.yaml adds a zip of guest sizes and a jittery link: 13 x 3 x 2 x 4 x 5 = 1560 tasks', () => {
    assert.equal(loadSweep(join(SWEEPS, 'seed-thread.yaml')).grid.tasks, 1560);
  });

  test('treutner-grid.yaml gives each variant its own constants: 7 x 2 x (1 + 7 + 6 + 6 x 3) = 448 tasks', () => {
    const { grid } = loadSweep(join(SWEEPS, 'treutner-grid.yaml'));
    assert.deepEqual(
      grid.variants.map((v) => v.scenarios),
      [14, 98, 84, 252],
    );
    assert.equal(grid.tasks, 448);
  });

  test('sweeps/schema.json is up to date with the schema (npm run schema rewrites it)', () => {
    assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText(), 'sweeps/schema.json is stale: run npm run schema');
  });
});
