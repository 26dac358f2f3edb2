import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { errorFunction } from 'simple-statistics';
import { hashString, Random } from '../../src/engine/random.js';
import { InputError } from '../../src/common/errors.js';
import { parseText } from '../../src/scenario/document.js';
import { drawStratified, parseAnyQuantity, readDistribution } from '../../src/scenario/distribution.js';
import { validateFleet } from '../../src/fleet/validate.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Numerical Recipes' erf (simple-statistics, fractional error < 1.2e-7): the normal distribution function, independent of stdlib's. */
const phi = (z: number) => 0.5 * (1 + errorFunction(z / Math.SQRT2));

function read(raw: Record<string, unknown>, samples: 'required' | 'forbidden' = 'required') {
  const r = readDistribution(raw, parseAnyQuantity, samples);
  assert.ok(r.ok, JSON.stringify(r));
  return { distribution: r.distribution, samples: r.samples };
}

function problems(raw: Record<string, unknown>, samples: 'required' | 'forbidden' = 'required') {
  const r = readDistribution(raw, parseAnyQuantity, samples);
  assert.ok(!r.ok, 'expected a problem');
  return r.problems.map((p) => `${p.key ?? ''}: ${p.message}`);
}

/** The uniform numbers a stratified draw of n uses: slice i's (i + r_i) / n, r_i the generator's i-th number. */
const slices = (seed: number, n: number) => {
  const rng = new Random(seed);
  return Array.from({ length: n }, (_, i) => (i + rng.next()) / n);
};

describe('seeded distributions (src/scenario/distribution.ts)', () => {
  test('uniform with units: from + (to - from) u, one draw in each of n equal slices, in bytes', () => {
    const { distribution, samples } = read({ distribution: 'uniform', from: '4GiB', to: '64GiB', samples: 20 });
    assert.equal(samples, 20);
    const got = drawStratified(distribution, 20, new Random(9)) as number[];
    const u = slices(9, 20);
    got.forEach((x, i) => assert.ok(Math.abs(x - (4 * GiB + 60 * GiB * (u[i] as number))) < 1e-3, `draw ${i}`));
    // slice i of 20 spans 3 GiB: [4 + 3i, 4 + 3(i + 1)) GiB
    got.forEach((x, i) => assert.ok(x >= (4 + 3 * i) * GiB && x < (4 + 3 * (i + 1)) * GiB, `draw ${i} in its slice`));
  });

  test('loguniform: equal ratios, from (to / from)^u', () => {
    const { distribution } = read({ distribution: 'loguniform', from: '10MiB/s', to: '1000MiB/s', samples: 2 });
    const got = drawStratified(distribution, 2, new Random(3)) as number[];
    const u = slices(3, 2);
    got.forEach((x, i) => assert.ok(Math.abs(x / (10 * MiB * 100 ** (u[i] as number)) - 1) < 1e-12));
    assert.ok((got[0] as number) < 100 * MiB && (got[1] as number) >= 100 * MiB, 'the halves split at the geometric middle, 100 MiB/s');
  });

  test("lognormal: each draw sits at its slice's probability, Φ((ln x - ln median) / sigma) = u", () => {
    const { distribution } = read({ distribution: 'lognormal', median: '100MiB/s', sigma: 1, samples: 50 });
    const got = drawStratified(distribution, 50, new Random(5)) as number[];
    const u = slices(5, 50);
    got.forEach((x, i) => assert.ok(Math.abs(phi(Math.log(x / (100 * MiB))) - (u[i] as number)) < 1e-6, `draw ${i}: ${x}`));
  });

  test('normal: 4000 stratified draws have the mean and the standard deviation asked for', () => {
    const { distribution } = read({ distribution: 'normal', mean: '30s', sigma: '5s', samples: 4000 });
    const got = drawStratified(distribution, 4000, new Random(1)) as number[];
    const mean = got.reduce((a, b) => a + b, 0) / got.length;
    const sd = Math.sqrt(got.reduce((a, b) => a + (b - mean) ** 2, 0) / (got.length - 1));
    assert.ok(Math.abs(mean - 30) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(sd - 5) < 0.05, `sd ${sd}`);
  });

  test('min and max truncate: a standard normal above 0 is the half-normal, whose median is Φ⁻¹(0.75) = 0.6745', () => {
    const { distribution } = read({ distribution: 'normal', mean: 0, sigma: 1, min: 0, samples: 1001 });
    const got = drawStratified(distribution, 1001, new Random(2)) as number[];
    assert.ok(got.every((x) => x >= 0));
    assert.ok(Math.abs((got[500] as number) - 0.6745) < 0.005, `median ${got[500]}`);
    // the draws' probabilities, renormalised to the truncated half: (Φ(x) - 0.5) / 0.5 = u
    const u = slices(2, 1001);
    got.forEach((x, i) => assert.ok(Math.abs((phi(x) - 0.5) / 0.5 - (u[i] as number)) < 1e-6));
  });

  test('choice with weights 3:1 over 400 stratified draws: exactly 300 of the first (slices below 0.75), 100 of the second', () => {
    const { distribution } = read({ distribution: 'choice', values: ['idle', 'redis'], weights: [3, 1], samples: 400 });
    const got = drawStratified(distribution, 400, new Random(4));
    assert.equal(got.filter((v) => v === 'idle').length, 300);
    assert.equal(got.filter((v) => v === 'redis').length, 100);
  });

  test('round: true gives whole numbers; sigma 0 gives the centre', () => {
    const r = read({ distribution: 'uniform', from: 1, to: 9, round: true, samples: 8 });
    assert.ok((drawStratified(r.distribution, 8, new Random(1)) as number[]).every((x) => Number.isInteger(x)));
    const c = read({ distribution: 'lognormal', median: 50, sigma: 0, samples: 3 });
    assert.deepEqual(drawStratified(c.distribution, 3, new Random(1)), [50, 50, 50]);
  });

  test('bad input: an unknown distribution (nearest name), sigma < 0, from > to, samples missing, a key of another distribution', () => {
    assert.deepEqual(problems({ distribution: 'lognormall', median: 1, sigma: 1, samples: 2 }), [
      "distribution: expected one of uniform, loguniform, normal, lognormal, choice, found 'lognormall'; did you mean 'lognormal'?",
    ]);
    assert.deepEqual(problems({ distribution: 'normal', mean: 1, sigma: -1, samples: 2 }), ['sigma: expected a sigma of at least 0, found -1']);
    assert.deepEqual(problems({ distribution: 'uniform', from: '8GiB', to: '4GiB', samples: 2 }), ['to: expected to above from, found from 8GiB and to 4GiB']);
    assert.deepEqual(problems({ distribution: 'uniform', from: 1, to: 2 }), ['samples: missing; expected how many values to draw, a whole number of at least 1']);
    assert.deepEqual(problems({ distribution: 'uniform', from: 1, to: 2, median: 3, samples: 2 }), [
      "median: unknown key 'median' for a uniform distribution (allowed here: distribution, samples, from, to, round)",
    ]);
    assert.deepEqual(problems({ distribution: 'uniform', from: 1, to: 2, samples: 2 }, 'forbidden'), [
      "samples: unknown key 'samples' for a uniform distribution: each copy draws one value here (allowed here: distribution, from, to, round)",
    ]);
    assert.deepEqual(problems({ distribution: 'choice', values: [1, 2], weights: [1], samples: 2 }), ['weights: expected 2 weights of at least 0, one per value, found a list']);
  });
});

describe('fleets draw one value per copy from a distribution', () => {
  const fleetText = (ram: string) => `hosts: { a: { nic: 10Gbit/s }, b: { nic: 10Gbit/s } }
defaults: { policy: [{ kind: qemu, maxBandwidth: 0 }, { kind: kubevirt }], workload: { kind: uniform, dirtyRate: 10MiB/s } }
vms:
  - { name: web, count: 4, from: a, to: b, vm: { ram: ${ram} } }
seed: 11
`;

  test("each copy's RAM is from + (to - from) u with u the first number of the copy's generator (seeded by the fleet seed and its name)", () => {
    const doc = parseText('f.yaml', fleetText('{ distribution: uniform, from: 2GiB, to: 6GiB }'));
    const f = validateFleet(doc.data, 'f.yaml', doc);
    assert.deepEqual(
      f.vms.map((v) => v.name),
      ['web-1', 'web-2', 'web-3', 'web-4'],
    );
    for (const vm of f.vms) {
      const u = new Random(hashString(vm.name, 11)).next();
      assert.ok(Math.abs(vm.scenario.vm.ram - (2 * GiB + 4 * GiB * u)) < 1e-3, vm.name);
    }
  });

  test('a bad distribution in a fleet: the file, line and path', () => {
    const doc = parseText('f.yaml', fleetText('{ distribution: lognormal, median: 4GiB, sigma: -0.5 }'));
    assert.throws(
      () => validateFleet(doc.data, 'f.yaml', doc),
      (e: unknown) => e instanceof InputError && /f\.yaml:4:\d+: vms\[0\]\.vm\.ram\.sigma: expected a sigma of at least 0, found -0\.5/.test(e.message),
    );
  });
});
