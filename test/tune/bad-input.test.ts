import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tuneSchemaText, TUNE_SCHEMA_FILE } from '../../src/tune/json-schema.js';
import { resolveTune } from '../../src/tune/problem.js';
import { readTune } from '../../src/tune/spec.js';
import { migsweep, SMALL, tempDir, tuneFile } from './helpers.js';

const TUNES = fileURLToPath(new URL('../../../tunes/', import.meta.url));

/** Run `migsweep tune` on SMALL with one replacement; the exit code and stderr. */
function tuneWith(dir: string, name: string, from: string, to: string, args: string[] = []) {
  assert.ok(SMALL.includes(from), `the fixture has ${from}`);
  const file = tuneFile(dir, name, SMALL.replace(from, to));
  const r = migsweep(['tune', file, '--out', join(dir, `${name}-out`), '--workers', '1', ...args]);
  return { ...r, file };
}

describe('bad tune input exits 2 naming the file, the line, the path, what was expected and what was found', () => {
  const dir = tempDir();

  test('an unknown metric names the nearest one', () => {
    const r = tuneWith(dir, 'metric', '"downtimeMs.p95 <= 600ms"', '"downtimeMS.p95 <= 600ms"');
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`${r.file.replace(/[.]/g, '\\.')}:16:\\d+: constraints\\[0\\]: unknown metric 'downtimeMS'; did you mean 'downtimeMs'\\?`));
  });

  test('an unknown statistic names the nearest one and the valid ones', () => {
    const r = tuneWith(dir, 'stat', 'minimize: totalTimeMs.mean', 'minimize: totalTimeMs.maen');
    assert.equal(r.code, 2);
    assert.match(r.err, /:17:\d+: objective\.minimize: unknown statistic 'maen' of totalTimeMs; did you mean 'mean'\?; expected totalTimeMs\.<mean\|median\|p95\|p99\|max\|min>/);
  });

  test('a search path the base does not have names the nearest key', () => {
    const r = tuneWith(dir, 'path', 'policy[1].downtime:', 'policy[1].downtim:');
    assert.equal(r.code, 2);
    assert.match(r.err, /:14:\d+: search\.policy\[1\]\.downtim: the base has no policy\[1\]\.downtim; did you mean 'downtime'\?/);
  });

  test('a search path that is not a number', () => {
    const r = tuneWith(dir, 'enum', 'policy[1].downtime: [100ms, 300ms, 1s]', 'policy[1].timeoutAction: [abort]');
    assert.equal(r.code, 2);
    assert.match(r.err, /:14:\d+: search\.policy\[1\]\.timeoutAction: expected a path to a number .*, found 'abort'/);
  });

  test('an empty range', () => {
    const r = tuneWith(dir, 'empty', '{ from: 3, to: 6, round: true }', '{ from: 6, to: 6, round: true }');
    assert.equal(r.code, 2);
    assert.match(r.err, /:15:\d+: search\.policy\[1\]\.steps: an empty range: expected from below to, found from 6 and to 6/);
  });

  test('a range end of the wrong unit kind', () => {
    const r = tuneWith(dir, 'unit', 'policy[1].downtime: [100ms, 300ms, 1s]', 'policy[1].downtime: { from: 100MiB, to: 1s }');
    assert.equal(r.code, 2);
    assert.match(r.err, /:14:\d+: search\.policy\[1\]\.downtime\.from: .*found '100MiB'/);
  });

  test('a population whose scenarios fail validation points at the axis', () => {
    const r = tuneWith(dir, 'population', 'vm.ram: [1GiB, 2GiB]', 'vm.ram: [1GiB, 2Gb/s]');
    assert.equal(r.code, 2);
    assert.match(r.err, /:11:\d+: population\.axes\.vm\.ram\[1\]: expected a size .*, found '2Gb\/s'/);
  });

  test('a headroom below 0, or one that leaves a share outside 0 to 1', () => {
    const negative = tuneWith(dir, 'headroom-neg', '"downtimeMs.p95 <= 600ms"', '"downtimeMs.p95 <= 600ms with headroom -5ms"');
    assert.equal(negative.code, 2);
    assert.match(negative.err, /:16:\d+: constraints\[0\]: headroom: expected an amount of at least 0, found '-5ms'/);
    const share = tuneWith(dir, 'headroom-share', '"abortedShare <= 0.2"', '"abortedShare <= 0.2 with headroom 0.3"');
    assert.equal(share.code, 2);
    assert.match(share.err, /:16:\d+: constraints\[1\]: headroom: 0\.2 with headroom 0\.3 asks for a share of -0\.1, outside 0 to 1/);
  });

  test('an unknown key names the nearest one', () => {
    const r = tuneWith(dir, 'key', 'objective:', 'objectve:');
    assert.equal(r.code, 2);
    assert.match(r.err, /:17:\d+: objectve: unknown key 'objectve'; did you mean 'objective'\?/);
  });

  test('a budget of 0 evaluations or 0 s, a time without its unit, a malformed budget: the expected form', () => {
    for (const given of ['0', '0s', '1.5', '30 parsecs', '-2min', 'soon']) {
      const r = tuneWith(dir, 'budget', 'seed: 7', 'seed: 7', ['--budget', given]);
      assert.equal(r.code, 2, given);
      assert.ok(r.err.includes(`--budget: expected a whole number of candidate evaluations of at least 1 (200) or a wall time above 0 (30s, 2min, 1h), found '${given}'`), r.err);
    }
  });
});

describe('tune files shipped in tunes/', () => {
  test('every tunes/*.yaml resolves: its population, search paths and constraints are valid', () => {
    const files = readdirSync(TUNES).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(files.sort(), ['drain-parallel.yaml', 'kubevirt-ramp.yaml', 'nova-downtime.yaml', 'qemu-auto-converge.yaml']);
    // drain-parallel searches one constant (a fleet's maxParallel); the others two or more
    for (const f of files) assert.ok(resolveTune(readTune(join(TUNES, f))).dims.length >= (f === 'drain-parallel.yaml' ? 1 : 2), f);
  });

  test('tunes/schema.json is up to date with the schema (npm run schema rewrites it)', () => {
    assert.equal(readFileSync(TUNE_SCHEMA_FILE, 'utf8'), tuneSchemaText(), 'tunes/schema.json is stale');
  });
});
