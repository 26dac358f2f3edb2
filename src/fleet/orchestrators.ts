/**
 * Orchestrators' admission rules for concurrent migrations: how many may
 * run at once (in the cluster, out of a host, into a host), per link class
 * (vSphere's cost slots), how bandwidth is split, and in which order queued
 * migrations start. Each preset names its source; every field can be
 * overridden in the fleet file. 0 = no limit.
 */
export type FleetOrder = 'fifo' | 'smallest-ram' | 'largest-ram' | 'lowest-dirty-rate' | 'highest-dirty-rate' | 'shortest-predicted' | 'priority';

export interface Orchestrator {
  preset: string | null;
  /** migrations running at once in the whole fleet */
  maxParallel: number;
  /** migrations running at once out of one host */
  maxOutboundPerHost: number;
  /** migrations running at once into one host */
  maxInboundPerHost: number;
  /** vSphere: out-of-host slots by NIC speed (4 below 10 Gbit/s, else 8); false = not used */
  costSlots: boolean;
  /** oVirt AUTO bandwidth: each migration capped at min(source NIC, destination NIC) / maxOutboundPerHost */
  splitBandwidth: boolean;
  order: FleetOrder;
}

export const FLEET_ORDERS: readonly FleetOrder[] = ['fifo', 'smallest-ram', 'largest-ram', 'lowest-dirty-rate', 'highest-dirty-rate', 'shortest-predicted', 'priority'];

interface Preset extends Omit<Orchestrator, 'preset'> {
  source: string;
}

export const ORCHESTRATOR_PRESETS: Readonly<Record<string, Preset>> = {
  none: {
    maxParallel: 0,
    maxOutboundPerHost: 0,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'no admission limit: every migration starts when asked',
  },
  kubevirt: {
    maxParallel: 5,
    maxOutboundPerHost: 2,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'kubevirt/kubevirt pkg/virt-config/virt-config.go: parallelMigrationsPerCluster 5, parallelOutboundMigrationsPerNode 2',
  },
  nova: {
    maxParallel: 0,
    maxOutboundPerHost: 1,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'openstack/nova nova/conf/compute.py: max_concurrent_live_migrations 1 per source compute host',
  },
  ovirt: {
    maxParallel: 0,
    maxOutboundPerHost: 2,
    maxInboundPerHost: 2,
    costSlots: false,
    splitBandwidth: true,
    order: 'fifo',
    source: 'oVirt/vdsm lib/vdsm/common/config.py.in max_outgoing_migrations 2, max_incoming_migrations 2; ovirt-engine MigrateVmCommand (AUTO bandwidth: link / maxMigrations)',
  },
  vsphere: {
    maxParallel: 0,
    maxOutboundPerHost: 8,
    maxInboundPerHost: 8,
    costSlots: true,
    splitBandwidth: false,
    order: 'fifo',
    source: 'VMware vSphere documentation "Limits on Simultaneous Migrations" (5.0-6.7): network max 4 on 1 GbE, 8 on 10 GbE; host max 8',
  },
  proxmox: {
    maxParallel: 4,
    maxOutboundPerHost: 0,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'proxmox/pve-ha-manager: max_workers 4',
  },
  'xen-orchestra': {
    maxParallel: 3,
    maxOutboundPerHost: 0,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'vatesfr/xen-orchestra commit 4014875 (issue #6065): 3 concurrent migrations per pool',
  },
};

export function orchestratorFromPreset(name: string): Orchestrator {
  const p = ORCHESTRATOR_PRESETS[name];
  if (p === undefined) throw new Error(`unknown orchestrator preset '${name}'`);
  const { source: _source, ...rest } = p;
  return { preset: name, ...rest };
}
