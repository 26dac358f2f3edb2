/**
 * The fleet's two constructions against each other (docs/fleets.md,
 * "Convergence"): the fixed point of simulateFleet and the event-by-event
 * construction, which is exact by construction when an engine run up to a
 * time depends only on its rates before it (checked first).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { simulate } from '../../src/engine/index.js';
import type { Scenario } from '../../src/engine/types.js';
import { simulateEventByEvent } from '../../src/fleet/event-by-event.js';
import { prepare } from '../../src/fleet/setup.js';
import { simulateFleet, type Fleet, type FleetResult } from '../../src/fleet/simulate-fleet.js';
import { fleetAt, readFleetSweep } from '../../src/fleet/sweep-spec.js';
import { validateFleet } from '../../src/fleet/validate.js';
import { readDocument } from '../../src/scenario/document.js';
import { buildScenario, decodeScenario, withValue } from '../../src/sweep/grid.js';
import { loadSweep } from '../../src/sweep/session.js';
import { GiB } from '../engine/scenario-builder.js';
import { fleet, idle } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Every attempt of every VM: its start, its end, its outcome and its rates. */
const attemptsOf = (r: { runs: FleetResult['runs'] }) =>
  r.runs.map((v) => v.attempts.map((a) => ({ startS: a.startS, totalTimeMs: a.result.totalTimeMs, outcome: a.result.outcome, rates: a.rates })));

function drainFleets(step: number): { name: string; f: Fleet }[] {
  const file = join(ROOT, 'sweeps', 'drain.yaml');
  const doc = readDocument(file);
  const s = readFleetSweep(doc.data as Record<string, unknown>, file, doc);
  const out: { name: string; f: Fleet }[] = [];
  for (let i = 0; i < s.count; i += step) out.push({ name: `sweeps/drain.yaml fleet ${i}`, f: validateFleet(fleetAt(s, i), file) });
  return out;
}

describe('the engine is causal: a run up to a time depends only on its rates before it', () => {
  test('on every scenario of the default sweep, a rate change at or after the run’s end changes nothing', () => {
    const { grid } = loadSweep(join(ROOT, 'sweeps', 'default.yaml'));
    const digits: number[] = [];
    for (let g = 0; g < grid.scenarios; g++) {
      const { variant } = decodeScenario(grid, g, digits);
      const s = withValue(buildScenario(grid.variants[variant]!, digits), ['seed'], 7) as Scenario;
      const alone = simulate(s);
      const endS = alone.totalTimeMs / 1000;
      if (!(endS < s.horizon)) continue;
      for (const atS of [endS, endS * 1.5])
        assert.deepEqual(simulate(s, { linkRateChanges: [{ atS, bytesPerSec: s.link.bandwidth / 3 }] }), alone, `scenario ${g}, change at ${atS} s`);
    }
  });
});

describe('the fixed point and the event-by-event construction give the same fleet', () => {
  const drains = drainFleets(48);
  const cases: { name: string; f: Fleet }[] = [
    {
      name: 'a staggered start of two idle guests',
      f: fleet(250e6, [
        { name: 'first', scenario: idle(4 * GiB) },
        { name: 'second', scenario: idle(4 * GiB), start: 10 },
      ]),
    },
    {
      name: 'a retried abort next to a completed migration',
      f: {
        ...fleet(250e6, [
          { name: 'x', scenario: idle(4 * GiB, [{ kind: 'precopy' }, { kind: 'abort-after', timeout: 5 }]) },
          { name: 'y', scenario: idle(2 * GiB) },
        ]),
        orchestrator: { ...fleet(1, []).orchestrator, retries: 2, retryDelayS: 20, retryBackoff: 2 },
      },
    },
    ...drains,
  ];
  for (const { name, f } of cases)
    test(`${name}: the same attempts, bit for bit`, () => {
      const fixed = simulateFleet(f);
      assert.ok(fixed.converged, `${name}: the fixed point settles`);
      const exact = simulateEventByEvent(f, prepare(f));
      assert.deepEqual(attemptsOf(fixed), attemptsOf(exact));
      assert.equal(fixed.makespanS, exact.makespanS);
    });

  test('a fixed point stopped before it settles is replaced by the event-by-event construction: converged false, the same fleet', () => {
    const f = drains[3]!.f;
    const settled = simulateFleet(f);
    assert.ok(settled.rounds > 2, `this fleet needs ${settled.rounds} rounds`);
    const cut = simulateFleet(f, { maxRounds: 1 });
    assert.equal(cut.converged, false);
    assert.equal(cut.rounds, 1);
    assert.deepEqual(attemptsOf(cut), attemptsOf(settled));
  });

  test('a fleet in which no two migrations ever share a link is settled in 2 rounds: the first round is already exact', () => {
    const r = simulateFleet(
      fleet(
        1e9,
        ['x', 'y', 'z'].map((name) => ({ name, scenario: idle(2 * GiB) })),
        'nova',
      ),
    );
    assert.equal(r.rounds, 2);
  });
});
