/**
 * Engine runs per second, one core, per base and scenario class. Each
 * benchmark iteration simulates a batch of runs, so the timer's own cost is
 * negligible; runs/s = batch x iterations/s.
 */
import { Bench } from 'tinybench';
import { simulate } from '../src/engine/index.js';
import type { Scenario } from '../src/engine/types.js';
import { validateScenario } from '../src/scenario/validate.js';

export interface EngineBenchRow {
  name: string;
  unit: string;
  value: number;
  biggerIsBetter: boolean;
  /** what one run of the case does, for the table */
  extra: string;
}

const scenario = (raw: Record<string, unknown>): Scenario => validateScenario(raw, { file: '<bench>' });
const vm = { ram: '4GiB', zeroShare: 0.1 };
const link = { bandwidth: '1Gbit/s' };

/** The cases: name, scenario, batch size (runs per benchmark iteration). */
export const ENGINE_CASES: [string, Scenario, number][] = [
  [
    'precopy convergent',
    scenario({ vm, link, workload: { kind: 'uniform', dirtyRate: '20MiB/s', workingSet: '1GiB' }, policy: { kind: 'precopy', downtimeLimit: '300ms' } }),
    1000,
  ],
  ['precopy non-convergent 1h', scenario({ vm, link, workload: { kind: 'uniform', dirtyRate: '400MiB/s', workingSet: '1GiB' }, policy: { kind: 'precopy' } }), 20],
  ['qemu-2011 convergent', scenario({ vm, link, workload: { kind: 'uniform', dirtyRate: '4MiB/s', workingSet: '1GiB' }, policy: { kind: 'qemu-2011' } }), 5],
  ['qemu-2011 non-convergent 1h', scenario({ vm, link, workload: { kind: 'uniform', dirtyRate: '400MiB/s', workingSet: '1GiB' }, policy: { kind: 'qemu-2011' } }), 1],
  ['qemu convergent', scenario({ vm, link, workload: { kind: 'uniform', dirtyRate: '20MiB/s', workingSet: '1GiB' }, policy: { kind: 'qemu' } }), 10],
  [
    'qemu + auto-converge long',
    scenario({ vm, link, workload: { kind: 'uniform', dirtyRate: '300MiB/s', workingSet: '2GiB' }, policy: [{ kind: 'qemu' }, { kind: 'auto-converge' }] }),
    2,
  ],
  ['xen convergent', scenario({ vm, link, workload: { kind: 'uniform', dirtyRate: '20MiB/s', workingSet: '1GiB' }, policy: { kind: 'xen' } }), 20],
];

export async function run(timeMs = 1000): Promise<EngineBenchRow[]> {
  const bench = new Bench({ name: 'engine', time: timeMs, warmupTime: 200 });
  for (const [name, s, batch] of ENGINE_CASES) {
    bench.add(name, () => {
      for (let i = 0; i < batch; i++) simulate(s);
    });
  }
  await bench.run();
  return ENGINE_CASES.map(([name, s, batch]) => {
    const task = bench.getTask(name);
    const res = task?.result as { throughput?: { mean: number } } | undefined;
    const r = simulate(s);
    return {
      name: `engine ${name}`,
      unit: 'runs/s',
      value: (res?.throughput?.mean ?? NaN) * batch,
      biggerIsBetter: true,
      extra: `${r.outcome} after ${(r.totalTimeMs / 1000).toFixed(1)} s, ${r.passes} passes, ${r.syncs} syncs`,
    };
  });
}

// `node dist/bench/engine.bench.js` runs this file alone
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run()) console.log(`${row.name.padEnd(40)} ${Math.round(row.value).toLocaleString('en-US').padStart(12)} ${row.unit}   ${row.extra}`);
}
