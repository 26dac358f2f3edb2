/**
 * Runs for the report's tests: a sweep file written to a temporary folder
 * and run in this process by the real sweep (src/sweep), so that the report
 * is tested on the folder contract exactly as `migsweep sweep` writes it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runSweep } from '../../src/sweep/session.js';

/** The 2011 thread's four answers, as the brief of the report asks: a uniform writer over a 4 GiB guest, 1 MiB/s to 2 GiB/s, three links. */
export const SEED_THREAD_SWEEP = `
name: seed-thread
seed: 2011
replicates: 2
base:
  vm: { ram: 4GiB }
  workload: { kind: uniform, dirtyRate: 100MiB/s }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: qemu-2011 }
  horizon: 1h
axes:
  workload.dirtyRate: { from: 1MiB/s, to: 2GiB/s, steps: 12, scale: log }
  link.bandwidth: [100Mbit/s, 1Gbit/s, 10Gbit/s]
variants:
  - name: qemu-2011
  - name: treutner
    set: { policy: [ { kind: qemu-2011 }, { kind: max-passes, passes: 10 }, { kind: transfer-factor, factor: 3 } ] }
  - name: liguori
    set: { policy: [ { kind: qemu-2011 }, { kind: convergence-timeout, timeout: 60s, period: 60s, factor: 2 } ] }
  - name: pause-60s
    set: { policy: [ { kind: qemu-2011 }, { kind: pause-after, timeout: 60s } ] }
`;

/** A small sweep whose second variant's name is markup, to test that the report shows it as text. */
export const HOSTILE_SWEEP = `
name: hostile
seed: 7
replicates: 2
base:
  vm: { ram: 1GiB }
  workload: { kind: uniform, dirtyRate: 10MiB/s }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: qemu-2011 }
  horizon: 10min
axes:
  workload.dirtyRate: [4MiB/s, 32MiB/s, 256MiB/s]
  link.bandwidth: [100Mbit/s, 1Gbit/s]
variants:
  - name: qemu-2011
  - name: "<img src=x onerror=\\"window.__xss = 1\\">"
    set: { policy: [ { kind: qemu-2011 }, { kind: pause-after, timeout: 60s } ] }
charts:
  - convergence-map
  - { kind: downtime-vs-ratio, band: minmax }
  - pareto
  - promised-vs-real
  - { kind: timeline, where: { dirtyRateBytesPerSec: 32MiB/s, bandwidthBytesPerSec: 1Gbit/s } }
`;

const sink = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

/** Write `yaml` as a sweep file in a new temporary folder, run it (no after-sweep hooks) and return the run folder. */
export async function runFixtureSweep(yaml: string, label = 'sweep'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `migsweep-report-${label}-`));
  const file = join(dir, `${label}.yaml`);
  writeFileSync(file, yaml);
  const out = join(dir, 'run');
  const r = await runSweep({ file, out, workers: 1, progress: 'quiet', stdout: sink(), stderr: sink(), hooks: [] });
  if (r.exitCode !== 0) throw new Error(`fixture sweep ${label} ended with exit code ${r.exitCode}`);
  return out;
}

/**
 * A sweep over policy constants (not dirty rate x bandwidth): QEMU's downtime
 * limit x auto-converge's increment, on 2 RAM sizes x 2 dirty rates: a small
 * sweeps/examples/policy-constants.yaml. 4 x 3 x 2 x 2 = 48 scenarios.
 */
export const POLICY_CONSTANTS_SWEEP = `
name: constants
seed: 3
replicates: 2
base:
  vm: { ram: 4GiB, zeroShare: 0.1, vcpus: 2 }
  workload: { kind: uniform, dirtyRate: 1GiB/s, workingSet: 2GiB }
  link: { bandwidth: 10Gbit/s, latency: 0.5ms }
  policy: [{ kind: qemu, maxBandwidth: 0 }, { kind: auto-converge }]
  horizon: 10min
axes:
  policy[0].downtimeLimit: [10ms, 50ms, 300ms, 1s]
  policy[1].increment: [5, 20, 50]
  vm.ram: [4GiB, 16GiB]
  workload.dirtyRate: [1GiB/s, 2GiB/s]
`;
