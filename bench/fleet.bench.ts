/**
 * A fleet: sweeps/drain.yaml's 20-VM node drain (KubeVirt's limits, fifo,
 * 10 Gbit/s) under the textbook policy (precopy), simulated whole per
 * iteration: every fixed-point round of every VM's engine run. Issue 14's
 * target: under 1 ms per fleet on one core.
 */
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { simulateFleet, type Fleet } from '../src/fleet/simulate-fleet.js';
import { readFleetSweep, fleetAt } from '../src/fleet/sweep-spec.js';
import { validateFleet } from '../src/fleet/validate.js';
import { readDocument } from '../src/scenario/document.js';
import { PACKAGE_ROOT } from '../src/sweep/output.js';
import { QUICK_ENV, type BenchRow } from './types.js';

/** The drain's node (10 Gbit/s) under KubeVirt's own limits, fifo, with every VM under precopy. */
export function textbookDrain(): Fleet {
  const file = join(PACKAGE_ROOT, 'sweeps', 'drain.yaml');
  const doc = readDocument(file);
  const sweep = readFleetSweep(doc.data as Record<string, unknown>, file, doc);
  const raw = fleetAt(sweep, 0);
  const defaults = { ...(raw.defaults as Record<string, unknown>), policy: [{ kind: 'precopy' }] };
  return validateFleet({ ...raw, defaults, orchestrator: { preset: 'kubevirt', order: 'fifo' } }, file);
}

export async function run(): Promise<BenchRow[]> {
  const fleet = textbookDrain();
  const bench = new Bench({ name: 'fleet', time: process.env[QUICK_ENV] ? 200 : 2000, warmupTime: 200 });
  bench.add('drain', () => simulateFleet(fleet));
  await bench.run();
  const res = bench.getTask('drain')?.result as { latency?: { mean: number } } | undefined;
  const r = simulateFleet(fleet);
  return [
    {
      name: 'fleet 20-VM drain, precopy',
      unit: 'ms/fleet',
      value: res?.latency?.mean ?? NaN,
      biggerIsBetter: false,
      extra: `sweeps/drain.yaml's node under KubeVirt's limits (2 out), fifo, 10 Gbit/s: makespan ${r.makespanS.toFixed(1)} s, ${r.rounds} rounds, ${r.runs.length} VMs`,
    },
  ];
}

// `node dist/bench/fleet.bench.js` runs this file alone
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run()) console.log(`${row.name.padEnd(40)} ${row.value.toPrecision(3).padStart(10)} ${row.unit}   ${row.extra ?? ''}`);
}
