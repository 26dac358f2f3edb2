/**
 * The corpus of broken sweep files (test/fixtures/sweeps/): each one is
 * refused before any work starts (exit 2, no results folder), with the file,
 * line and column, the path inside the sweep file, what was expected, what
 * was found, and for a misspelt name the nearest valid one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { migsweep, tempDir, TEST_SRC } from './helpers.js';

const CORPUS = join(TEST_SRC, 'fixtures', 'sweeps');

/** file -> where the first problem is (line:col and path) and what its message must say. */
const EXPECTED: Record<string, { at: string; path: string; says: string[]; problems?: number }> = {
  'unknown-top-key.yaml': { at: '2:12', path: 'replicats', says: ["unknown key 'replicats'", "did you mean 'replicates'?"] },
  'not-a-mapping.yaml': { at: '1:1', path: '', says: ['expected a sweep: a mapping with base, axes, variants', 'found a list'] },
  'yaml-syntax.yaml': { at: '4:3', path: '', says: ['not valid YAML'] },
  'missing-base.yaml': { at: '1:1', path: 'base', says: ['missing; expected a mapping'] },
  'base-unknown-policy.yaml': { at: '6:19', path: 'base.policy.kind', says: ["unknown policy kind 'qemu-2010'", "did you mean 'qemu-2011'?"] },
  'axis-unknown-path.yaml': { at: '7:23', path: 'axes.workload.dirtyrate', says: ["unknown key 'dirtyrate'", "did you mean 'dirtyRate'?"] },
  'axis-wrong-unit.yaml': { at: '9:7', path: 'axes.link.bandwidth[1]', says: ['expected a rate such as 100MiB/s', "found '10s'", "('s' is a unit of time)"] },
  'range-unit-mismatch.yaml': { at: '7:43', path: 'axes.workload.dirtyRate.to', says: ['to is a duration but from is a rate'] },
  'range-log-zero.yaml': { at: '8:11', path: 'axes.workload.dirtyRate.from', says: ['a log range needs from > 0, found 0'] },
  'range-missing-steps.yaml': { at: '7:23', path: 'axes.workload.dirtyRate', says: ['missing steps: a log range needs the number of values'] },
  'range-wrong-dimension.yaml': { at: '8:11', path: 'axes.link.bandwidth.from', says: ['expected a rate such as', "found '1s'", "('s' is a unit of time)"] },
  'range-unknown-key.yaml': { at: '7:58', path: 'axes.workload.dirtyRate.stpes', says: ["unknown key 'stpes'", "did you mean 'steps'?"] },
  'empty-axis.yaml': { at: '7:19', path: 'axes.link.bandwidth', says: ['expected at least 1 entry, found an empty list'] },
  'bad-path-syntax.yaml': { at: '7:20', path: 'axes.link..bandwidth', says: ['not a scenario path; expected a path such as workload.dirtyRate or policy[1].passes'] },
  'seed-axis.yaml': { at: '7:9', path: 'axes.seed', says: ['seed cannot be an axis', 'replicates: for repeated runs'] },
  'seed-negative.yaml': { at: '2:7', path: 'seed', says: ['expected a whole number from 0 to 4294967295, found -1'] },
  'replicates-zero.yaml': { at: '2:13', path: 'replicates', says: ['expected a whole number of runs per scenario >= 1, found 0'] },
  'bad-name.yaml': { at: '1:7', path: 'name', says: ['it becomes a folder name', "found 'my sweep'"] },
  'duplicate-variant.yaml': { at: '10:11', path: 'variants[1].name', says: ["the variant name 'treutner' is already used by variants[0]"] },
  'variant-unknown-key.yaml': { at: '11:7', path: 'variants[1].sett', says: ["unknown key 'sett'", "did you mean 'set'?"] },
  'variant-missing-entry.yaml': {
    at: '8:21',
    path: 'axes.policy[1].passes',
    says: ["variant 'qemu-2011' has no policy[1]", 'its policy is a single entry (qemu-2011)', 'variants[i].axes'],
  },
  'rule-first.yaml': { at: '11:19', path: 'variants[0].set.policy', says: ["policy[0].kind: 'max-passes' is an add-on rule; a policy list starts with a base"], problems: 2 },
  'unknown-rule-in-variant.yaml': { at: '12:19', path: 'variants[0].set.policy', says: ["policy[1].kind: unknown policy kind 'max-pases'", "did you mean 'max-passes'?"] },
  'zip-lengths.yaml': { at: '7:5', path: 'zip[0]', says: ['need as many values each: vm.ram has 2, workload.workingSet has 3'] },
  'same-path-twice.yaml': { at: '9:25', path: 'zip[0].workload.dirtyRate', says: ['workload.dirtyRate is already swept by axes.workload.dirtyRate'] },
  'negative-bandwidth-in-zip.yaml': { at: '7:31', path: 'zip[0].link.bandwidth[1]', says: ["expected a positive rate, found '-5MiB/s'"] },
  // only one combination is wrong: 1 GiB of RAM with the 2 GiB working set
  'working-set-too-large.yaml': { at: '8:33', path: 'axes.workload.workingSet[1]', says: ['the working set (2 GiB) is larger than RAM (1 GiB)', 'with vm.ram = 1GiB'] },
  'repeated-values.yaml': { at: '7:29', path: 'axes.link.bandwidth[1]', says: ['value 2 (125000000) repeats value 1', 'use replicates: for repeated runs'] },
  'round-repeats.yaml': { at: '8:56', path: 'axes.policy[1].passes.round', says: ['rounding makes values repeat (1, 1)'] },
  'passes-not-whole.yaml': {
    at: '12:25',
    path: 'variants[0].axes.policy[1].passes',
    says: ['value 2 of 4 of the range (4.666666666666666): expected a whole number, found 4.666666666666666', 'add round: true'],
    problems: 2,
  },
  'charts-not-list.yaml': { at: '6:9', path: 'charts', says: ['expected a list, found a mapping'] },
  'hotcold-missing-hotset.yaml': { at: '7:28', path: 'axes.workload.kind[1]', says: ['workload.hotSet: missing; expected a size'] },
};

describe('broken sweep files', () => {
  test('the corpus has at least 20 files and every file has its expected message', () => {
    const files = readdirSync(CORPUS)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    assert.ok(files.length >= 20, `${files.length} files`);
    assert.deepEqual(files, Object.keys(EXPECTED).sort());
  });

  for (const [name, want] of Object.entries(EXPECTED)) {
    test(`${name}: exit 2 before any work, at ${want.at} ${want.path || '(the file)'}`, () => {
      const out = join(tempDir(), 'out');
      const file = join(CORPUS, name);
      const r = migsweep(['sweep', file, '--out', out, '--quiet']);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.equal(existsSync(out), false, 'no results folder may be made');
      const lines = r.err.trimEnd().split('\n');
      const first = lines[0]!;
      const prefix = `migsweep: ${file}:${want.at}: ${want.path ? `${want.path}: ` : ''}`;
      assert.ok(first.startsWith(prefix), `expected the message to start with\n  ${prefix}\nfound\n  ${first}`);
      for (const s of want.says) assert.ok(first.includes(s), `expected '${s}' in\n  ${first}`);
      assert.equal(lines.length, want.problems ?? 1, r.err);
    });
  }
});
