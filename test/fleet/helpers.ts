/** Small fleets for the fleet tests: hosts a, b and c, VMs moved from a to b. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../../src/engine/types.js';
import { orchestratorFromPreset } from '../../src/fleet/orchestrators.js';
import type { Fleet, FleetVm } from '../../src/fleet/simulate-fleet.js';
import { basic } from '../engine/scenario-builder.js';

/** A fleet on hosts a, b and c (NICs of `nic` bytes/s) moving the given VMs (by default from a to b). */
export function fleet(
  nic: number,
  vms: { name: string; scenario: Scenario; start?: number; from?: string; to?: string; after?: string[] }[],
  preset = 'none',
  horizonS = 3600,
): Fleet {
  return {
    hosts: [
      { name: 'a', nicBytesPerSec: nic },
      { name: 'b', nicBytesPerSec: nic },
      { name: 'c', nicBytesPerSec: nic },
    ],
    coreBytesPerSec: null,
    vms: vms.map((v): FleetVm => ({ name: v.name, from: v.from ?? 'a', to: v.to ?? 'b', requestedStartS: v.start ?? 0, priority: 0, after: v.after ?? [], scenario: v.scenario })),
    orchestrator: orchestratorFromPreset(preset),
    horizonS,
  };
}

export const idle = (ram: number, policy: Record<string, unknown>[] = [{ kind: 'precopy' }]) => basic({ ram, workload: { kind: 'uniform', dirtyRate: 0 }, bandwidth: 1, policy });

/** A sweep over 12 fleets of 4 VMs: the per-node limit 1-3, two orders, two NIC speeds (zipped), an SLO. */
export const SMALL_DRAIN = `name: small-drain
base:
  hosts: { src: { nic: 10Gbit/s }, dst: { nic: 10Gbit/s } }
  defaults: { policy: [{ kind: precopy }] }
  vms:
    - { name: big, from: src, to: dst, vm: { ram: 4GiB }, workload: { kind: uniform, dirtyRate: 100MiB/s } }
    - { name: small, count: 3, from: src, to: dst, vm: { ram: 2GiB }, workload: { kind: uniform, dirtyRate: 300MiB/s } }
  orchestrator: { preset: kubevirt }
axes:
  orchestrator.maxOutboundPerHost: { from: 1, to: 3, steps: 3 }
  orchestrator.order: [fifo, smallest-ram]
zip:
  - { hosts.src.nic: [1Gbit/s, 10Gbit/s], hosts.dst.nic: [1Gbit/s, 10Gbit/s] }
slo: { downtime: 100ms }
`;

/** A sweep file in a new temporary folder. */
export function sweepFile(text = SMALL_DRAIN): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-sweep-'));
  const file = join(dir, 'small-drain.yaml');
  writeFileSync(file, text);
  return { dir, file };
}
