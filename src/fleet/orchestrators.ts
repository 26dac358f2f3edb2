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
  /** how many times an attempt its controller aborts is tried again (Infinity: until the horizon); 0 = never */
  retries: number;
  /** the wait before the first retry, from the abort (s) */
  retryDelayS: number;
  /** each further retry waits this many times longer (1 = the same delay) */
  retryBackoff: number;
  /** the longest wait between retries (s); 0 = no cap */
  retryDelayMaxS: number;
}

export const FLEET_ORDERS: readonly FleetOrder[] = ['fifo', 'smallest-ram', 'largest-ram', 'lowest-dirty-rate', 'highest-dirty-rate', 'shortest-predicted', 'priority'];

interface Preset extends Omit<Orchestrator, 'preset'> {
  source: string;
  /** what the orchestrator does after an aborted migration, and where that is read */
  retrySource: string;
}

const NO_RETRY = { retries: 0, retryDelayS: 0, retryBackoff: 1, retryDelayMaxS: 0 };

export const ORCHESTRATOR_PRESETS: Readonly<Record<string, Preset>> = {
  none: {
    maxParallel: 0,
    maxOutboundPerHost: 0,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'no admission limit: every migration starts when asked',
    ...NO_RETRY,
    retrySource: 'no retry',
  },
  kubevirt: {
    maxParallel: 5,
    maxOutboundPerHost: 2,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'kubevirt/kubevirt pkg/virt-config/virt-config.go: parallelMigrationsPerCluster 5, parallelOutboundMigrationsPerNode 2',
    retries: Infinity,
    retryDelayS: 20,
    retryBackoff: 2,
    retryDelayMaxS: 320,
    retrySource:
      'kubevirt/kubevirt pkg/virt-controller/watch/drain/evacuation/evacuation.go (a new VirtualMachineInstanceMigration for every VMI still on a draining node) and pkg/virt-controller/watch/migration/migration.go handleMigrationBackoff (20 s after a failed evacuation migration, doubled per earlier failure; 5 finalized migrations kept, defaultFinalizedMigrationGarbageCollectionBuffer, so at most 320 s), commit d923fdb',
  },
  nova: {
    maxParallel: 0,
    maxOutboundPerHost: 1,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'openstack/nova nova/conf/compute.py: max_concurrent_live_migrations 1 per source compute host',
    ...NO_RETRY,
    retrySource:
      'openstack/nova nova/compute/manager.py _rollback_live_migration: the instance stays on its source and the migration is marked failed; migrate_max_retries (nova/conf/conductor.py) retries only the choice of a destination before the migration starts; commit 00a0304',
  },
  ovirt: {
    maxParallel: 0,
    maxOutboundPerHost: 2,
    maxInboundPerHost: 2,
    costSlots: false,
    splitBandwidth: true,
    order: 'fifo',
    source: 'oVirt/vdsm lib/vdsm/common/config.py.in max_outgoing_migrations 2, max_incoming_migrations 2; ovirt-engine MigrateVmCommand (AUTO bandwidth: link / maxMigrations)',
    ...NO_RETRY,
    retrySource:
      "oVirt/ovirt-engine MigrateVmToServerCommand.rerun (a migration to a chosen host, as MigrateMultipleVmsCommand issues for maintenance): no rerun; MigrateVmCommand (the scheduler's choice) reruns on hosts not yet tried up to MaxRerunVmOnVdsCount 3 (RunVmCommandBase.rerun); commit 0111fc6",
  },
  vsphere: {
    maxParallel: 0,
    maxOutboundPerHost: 8,
    maxInboundPerHost: 8,
    costSlots: true,
    splitBandwidth: false,
    order: 'fifo',
    source: 'VMware vSphere documentation "Limits on Simultaneous Migrations" (5.0-6.7): network max 4 on 1 GbE, 8 on 10 GbE; host max 8',
    retries: Infinity,
    retryDelayS: 300,
    retryBackoff: 1,
    retryDelayMaxS: 0,
    retrySource:
      "no source read (closed): a chosen default. VMware's documentation says a host stays in Entering Maintenance Mode until every running VM is moved; DRS recommends the moves again at its run every 5 minutes",
  },
  proxmox: {
    maxParallel: 4,
    maxOutboundPerHost: 0,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'proxmox/pve-ha-manager: max_workers 4',
    retries: Infinity,
    retryDelayS: 10,
    retryBackoff: 1,
    retryDelayMaxS: 0,
    retrySource:
      'proxmox/pve-ha-manager src/PVE/HA/Manager.pm next_state_migrate_relocate (a failed migration puts the service back to started on its source) and next_state_started (a service on a node in maintenance is migrated again), one manager round every 10 s (src/PVE/HA/CRM.pm max_time); commit b71218f',
  },
  'xen-orchestra': {
    maxParallel: 3,
    maxOutboundPerHost: 0,
    maxInboundPerHost: 0,
    costSlots: false,
    splitBandwidth: false,
    order: 'fifo',
    source: 'vatesfr/xen-orchestra commit 4014875 (issue #6065): 3 concurrent migrations per pool',
    ...NO_RETRY,
    retrySource:
      'vatesfr/xen-orchestra packages/xo-server/src/xapi/index.mjs clearHost: host.evacuate is retried only on a parameter-count mismatch; a failed evacuation re-enables the host and throws; commit 9ef5389',
  },
};

export function orchestratorFromPreset(name: string): Orchestrator {
  const p = ORCHESTRATOR_PRESETS[name];
  if (p === undefined) throw new Error(`unknown orchestrator preset '${name}'`);
  const { source: _source, retrySource: _retrySource, ...rest } = p;
  return { preset: name, ...rest };
}
