/** Small fleets for the fleet tests: hosts a, b and c, VMs moved from a to b. */
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
