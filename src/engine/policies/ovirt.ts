import type { MigrationView } from '../view.js';
import { RuleBase, type Rule, type RuleModule } from '../policy.js';
import { withAutoConverge } from './rule-group.js';
import { MULTIFD_MAX_CHANNELS } from '../wire/multifd.js';

/** One step of a convergence schedule: after more than `limit` new iterations (-1: any), do `action`. */
export interface ScheduleStep {
  limit: number;
  action: 'abort' | 'postcopy' | number;
}

export interface Schedule {
  /** the downtime limit (ms) set before the migration starts */
  initMs: number;
  stalling: ScheduleStep[];
  /** whether the engine's policy turns on auto-converge */
  autoConverge: boolean;
  /** the policy's maxMigrations (its bandwidth share in AUTO mode) */
  maxMigrations: number;
}

/**
 * VDSM's fallback without an engine schedule (lib/vdsm/virt/migration.py
 * exponential_downtime): `steps` values from about downtime / steps up to
 * `downtime`, offset + base^i with base = (downtime - offset)^(1 / (steps - 1)).
 */
export function exponentialDowntime(downtimeMs: number, steps: number): number[] {
  if (steps <= 1) return [downtimeMs];
  const offset = downtimeMs / steps;
  const base = (downtimeMs - offset) ** (1 / (steps - 1));
  return Array.from({ length: steps }, (_, i) => Math.trunc(offset + base ** i));
}

/** VDSM's legacy schedule (migration.py _legacy_convergence_schedule) from migration_downtime 500 ms in 5 steps. */
function vdsmDefault(): Schedule {
  const values = exponentialDowntime(500, 5);
  const [first, ...rest] = values;
  const stalling: ScheduleStep[] = rest.map((ms, i) => ({ limit: i + 1, action: ms }));
  stalling.push({ limit: 42, action: values[values.length - 1] as number }, { limit: -1, action: 'abort' });
  return { initMs: first as number, stalling, autoConverge: false, maxMigrations: 2 };
}

const steps = (pairs: [number, number][]): ScheduleStep[] => pairs.map(([limit, ms]) => ({ limit, action: ms }));

/**
 * The engine's migration policies (oVirt/ovirt-engine @0111fc6,
 * packaging/dbscripts/upgrade/pre_upgrade/0000_config.sql, MigrationPolicies
 * for 4.8): `convergenceItems` with their stallingLimit, then `lastItems`
 * each with limit -1 (bll/migration/ConvergenceSchedule.java addDowntimes).
 */
export const OVIRT_SCHEDULES: Readonly<Record<string, Schedule>> = {
  'minimal-downtime': {
    initMs: 100,
    stalling: [
      ...steps([
        [1, 150],
        [2, 200],
        [3, 300],
        [4, 400],
        [6, 500],
      ]),
      { limit: -1, action: 'abort' },
    ],
    autoConverge: true,
    maxMigrations: 2,
  },
  'suspend-workload': {
    initMs: 100,
    stalling: [
      ...steps([
        [1, 150],
        [2, 200],
        [3, 300],
        [4, 400],
        [6, 500],
      ]),
      { limit: -1, action: 5000 },
      { limit: -1, action: 'abort' },
    ],
    autoConverge: true,
    maxMigrations: 1,
  },
  'post-copy': {
    initMs: 100,
    stalling: [
      ...steps([
        [1, 150],
        [2, 200],
      ]),
      { limit: -1, action: 'postcopy' },
      { limit: -1, action: 'abort' },
    ],
    autoConverge: true,
    maxMigrations: 2,
  },
  'very-large-vms': {
    initMs: 300,
    stalling: [
      ...steps([
        [1, 400],
        [2, 500],
        [3, 700],
        [4, 1000],
        [6, 1500],
      ]),
      { limit: -1, action: 5000 },
      { limit: -1, action: 'abort' },
    ],
    autoConverge: true,
    maxMigrations: 1,
  },
  'vdsm-default': vdsmDefault(),
};

/**
 * VDSM's migration monitor (oVirt/vdsm @fd4b0df lib/vdsm/virt/migration.py
 * MonitorThread.monitor_migration, _next_action; config.py.in
 * migration_monitor_interval 10 s). It applies the schedule's init actions,
 * then polls every 10 s; the first poll records libvirt's memory iteration
 * (QEMU's dirty-sync-count); on a later poll at which the iteration grew,
 * with n = iterations since that first poll, it runs at most ONE step: the
 * head of the schedule, if its limit < n, which is then dropped. After
 * post-copy started nothing more happens. No wall-clock timeout.
 *
 * Not modelled: the bandwidth of AUTO mode (the slower host's link / 8 /
 * maxMigrations, per direction): set `policy[0].maxBandwidth` to the link /
 * maxMigrations (the schedules' maxMigrations are in OVIRT_SCHEDULES);
 * compression (`suspend-workload`). The multifd channels oVirt asks for (one
 * per 10 Gbit/s, none below 2) are `multifdChannels`, which sets the qemu
 * base's (docs/wire.md#controllers).
 */
class VdsmMonitor extends RuleBase {
  readonly kind = 'ovirt';
  private nextPollS = 0;
  private initialIteration = -1;
  private lastIteration = -1;
  private readonly stalling: ScheduleStep[];
  constructor(
    private readonly schedule: Schedule,
    private readonly pollS: number,
  ) {
    super();
    this.stalling = [...schedule.stalling];
  }
  override nextTimerS(m: MigrationView): number {
    return m.inPostcopy || this.stalling.length === 0 ? Infinity : this.nextPollS;
  }
  override onTimer(m: MigrationView): void {
    if (this.nextPollS === 0) {
      m.setDowntimeLimit(this.schedule.initMs / 1000, 'ovirt');
      this.nextPollS = this.pollS;
      return;
    }
    this.nextPollS += this.pollS;
    const iteration = m.syncs;
    if (this.initialIteration < 0) {
      this.initialIteration = this.lastIteration = iteration;
      return;
    }
    if (m.postcopyReason !== null || iteration <= this.lastIteration) return;
    this.lastIteration = iteration;
    const head = this.stalling[0];
    if (head === undefined || !(head.limit < iteration - this.initialIteration)) return;
    this.stalling.shift();
    if (head.action === 'abort') m.abort('ovirt-abort');
    else if (head.action === 'postcopy') m.requestPostcopy('ovirt-postcopy');
    else m.setDowntimeLimit(head.action / 1000, 'ovirt-downtime');
  }
}

export const ovirt: RuleModule = {
  kind: 'ovirt',
  role: 'rule',
  requires: ['qemu'],
  summary: 'oVirt/VDSM convergence schedule (minimal-downtime: 100 ms, 150 ... 500 ms by iteration, then abort), one step per 10 s poll with a new iteration',
  source: 'oVirt/ovirt-engine @0111fc6 0000_config.sql MigrationPolicies; oVirt/vdsm @fd4b0df lib/vdsm/virt/migration.py MonitorThread (docs/policies.md#ovirt)',
  params: {
    schedule: {
      kind: 'enum',
      default: 'minimal-downtime',
      choices: Object.keys(OVIRT_SCHEDULES),
      doc: 'the migration policy of the cluster (or vdsm-default: no engine schedule)',
    },
    pollInterval: { kind: 'time', default: 10, positive: true, doc: 'migration_monitor_interval (vdsm.conf)' },
    autoConverge: { kind: 'bool', default: null, doc: "auto-converge with QEMU's defaults; unset = as the schedule's policy says (on for the engine's four)" },
    multifdChannels: {
      kind: 'count',
      default: 0,
      min: 0,
      max: MULTIFD_MAX_CHANNELS,
      doc: "multifd channels oVirt asks for (one per 10 Gbit/s, none below 2); > 0 sets the qemu base's multifdChannels (docs/wire.md#controllers); 0 (the default) leaves the base's",
    },
  },
  postcopy: (p) => p.schedule === 'post-copy',
  baseParams: (p) => ((p.multifdChannels as number) > 0 ? { multifdChannels: p.multifdChannels as number } : null),
  check: (p, base) => (p.schedule === 'post-copy' && base !== 'qemu' ? `schedule post-copy needs the base qemu, found '${base}'` : null),
  create: (p) => {
    const schedule = OVIRT_SCHEDULES[p.schedule as string] as Schedule;
    const monitor: Rule = new VdsmMonitor(schedule, p.pollInterval as number);
    const ac = (p.autoConverge as boolean | null) ?? schedule.autoConverge;
    return withAutoConverge('ovirt', monitor, ac);
  },
};
