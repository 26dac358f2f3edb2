/**
 * The engine alone on a sweep's tasks: every task's simulate() one after the
 * other in this thread, with no pool, no rows and no output. Scenarios are
 * built CHUNK at a time, untimed; then the simulate() calls of the chunk
 * are timed as one loop (a clock read per call would cost as much as a
 * cheap convergent run, ~1 us).
 */
import { simulate } from '../src/engine/index.js';
import type { Scenario } from '../src/engine/types.js';
import { buildScenario, taskInfo, withValue } from '../src/sweep/grid.js';
import { loadSweep } from '../src/sweep/session.js';

const CHUNK = 10_000;

const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

/** Wall time and CPU time of the simulate() calls of every task of the sweep file, and the number of tasks. */
export function engineAlone(file: string): { ms: number; cpuMs: number; tasks: number } {
  const { grid } = loadSweep(file);
  const digits: number[] = [];
  let ms = 0;
  let cpu = 0;
  const chunk: Scenario[] = [];
  for (let from = 0; from < grid.tasks; from += CHUNK) {
    chunk.length = 0;
    for (let o = from; o < Math.min(grid.tasks, from + CHUNK); o++) {
      const t = taskInfo(grid, null, o, digits);
      chunk.push(withValue(buildScenario(t.variant, t.digits), ['seed'], t.seed) as Scenario);
    }
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const s of chunk) simulate(s);
    ms += performance.now() - t0;
    cpu += cpuMs(c0);
  }
  return { ms, cpuMs: cpu, tasks: grid.tasks };
}
