/**
 * The fleet built event by event, the second construction of a fleet
 * (docs/fleets.md, "Convergence"): from one instant to the next, the set of
 * running attempts is known, so is each one's rate until the next instant;
 * each attempt whose rate changed is run again by the engine under its rate
 * history so far, held from then on, which gives the instant it would end;
 * the next instant is the earliest such end or request. An attempt that
 * ends there ran under its true rates all along, so its run is final; the
 * ends are settled and the queue admits (Admission), then the shares are
 * recomputed. Exact by construction, given that an engine run up to a time
 * depends only on its rates before that time; it costs one engine run per
 * running attempt per instant at which its rate changes. simulateFleet uses
 * it when its fixed point does not settle, and the tests check the two
 * constructions against each other.
 */
import type { LinkRateChange } from '../engine/migration.js';
import type { RunResult } from '../engine/types.js';
import { Admission, type ScheduledAttempt } from './admission.js';
import { addRate, makespanS, runAttempt, vmRuns, type FleetSetup } from './setup.js';
import { pathRates, type CappedFlow } from './share.js';
import type { AttemptRun, Fleet, VmRun } from './simulate-fleet.js';

interface Live {
  a: ScheduledAttempt;
  rates: LinkRateChange[];
  result: RunResult | null;
}

const endOf = (l: Live): number => l.a.startS + (l.result as RunResult).totalTimeMs / 1000;

export function simulateEventByEvent(f: Fleet, setup: FleetSetup): { runs: VmRun[]; makespanS: number } {
  const { flows, capacities, order } = setup;
  const adm = new Admission(f, order);
  const attempts: AttemptRun[][] = f.vms.map(() => []);
  const keep = (l: Live) => attempts[l.a.vm]?.push({ requestedS: l.a.requestedS, startS: l.a.startS, result: l.result as RunResult, rates: l.rates });
  let live: Live[] = [];
  let now = 0;
  let first = true;
  for (;;) {
    let next = first ? 0 : adm.nextRequest(now);
    for (const l of live) next = Math.min(next, endOf(l));
    if (!(next < f.horizonS)) break;
    first = false;
    now = next;
    live = live.filter((l) => {
      if (endOf(l) > now) return true;
      l.a.endS = endOf(l);
      keep(l);
      adm.settle(l.a, (l.result as RunResult).outcome === 'aborted', now);
      return false;
    });
    for (const a of adm.startAt(now)) live.push({ a, rates: [], result: null });
    if (live.length === 0) continue;
    const rates = pathRates(
      capacities,
      live.map((l) => flows[l.a.vm] as CappedFlow),
    );
    live.forEach((l, k) => {
      if (addRate(l.rates, now - l.a.startS, rates[k] as number)) l.result = runAttempt(f, l.a.vm, l.a.startS, l.rates);
    });
  }
  // what still runs at the horizon ran under its true rates up to there: its run is final (unfinished)
  for (const l of live) keep(l);
  const runs = vmRuns(f, adm.requestedS, attempts);
  return { runs, makespanS: makespanS(runs) };
}
