import type { MigrationView } from '../view.js';
import { RuleBase, type Rule, type RuleModule } from '../policy.js';
import type { ParamValues } from '../types.js';
import { withAutoConverge } from './rule-group.js';
import { MULTIFD_MAX_CHANNELS } from '../wire/multifd.js';

/** live-migration-source.go monitorSleepPeriodMS. */
export const KUBEVIRT_POLL_S = 0.4;
const GB = 1e9;

/**
 * KubeVirt's size of a guest for the completion budget (manager.go
 * getVMIMigrationDataSize): guest memory plus migrated volumes, as a
 * resource.Quantity scaled to decimal gigabytes, which rounds UP: 8 GiB
 * (8.59 GB) counts as 9, 16 GiB as 18.
 */
export function kubevirtDataGB(ramBytes: number, volumeBytes: number): number {
  return Math.ceil((ramBytes + volumeBytes) / GB);
}

/**
 * KubeVirt's standard migration monitor, the path taken when stall detection
 * is off (kubevirt/kubevirt @d923fdb8, pkg/virt-launcher/virtwrap/
 * live-migration-source.go: startMonitor, processInflightMigration,
 * handleLegacyConvergence; defaults in pkg/virt-config/virt-config.go).
 *
 * Every 400 ms it reads libvirt's job stats. Progress: when the remaining
 * data (QEMU's ram `remaining`, the bytes still marked) is below the
 * previous sample, the migration counts as progressing now. Then, in the
 * code's order: in post-copy nothing; workload disruption allowed and the
 * budget (completionTimeoutPerGiB x size, whole seconds elapsed >) passed
 * and not yet paused: post-copy when allowed, else pause the guest
 * (virDomainSuspend) and double the budget; no progress for more than
 * progressTimeout: abort; past the budget: abort. The legacy path leaves
 * QEMU's downtime limit alone (300 ms) unless the downtime ramp runs
 * (`kubevirt-downtime-ramp`).
 *
 * Not modelled: VFIO guests (post-copy refused, the limit raised to force
 * the switch-over). KubeVirt turns on multifd with 8 channels unless the VM
 * has dedicated CPUs or a CPU limit: `multifdChannels: 8` sets the qemu
 * base's (docs/wire.md#controllers). `bandwidthPerMigration` is the qemu base's `maxBandwidth`
 * (KubeVirt's default 0 = unlimited: libvirt then lifts QEMU's own
 * 128 MiB/s), so set `policy[0].maxBandwidth` to 0 or to the limit.
 */
class KubeVirtMonitor extends RuleBase {
  readonly kind = 'kubevirt';
  /** polls so far; poll k runs at k x 400 ms (a counter, so that poll times do not drift) */
  private polls = 0;
  /** seconds; 0 = no completion timeout (acceptableCompletionTime == 0) */
  private budgetS = -1;
  private lastProgressS = 0;
  private watermark = 0;
  constructor(private readonly p: ParamValues) {
    super();
  }
  override nextTimerS(): number {
    return (this.polls + 1) * KUBEVIRT_POLL_S;
  }
  override onTimer(m: MigrationView): void {
    this.polls++;
    const p = this.p;
    if (this.budgetS < 0) this.budgetS = (p.completionTimeoutPerGiB as number) * kubevirtDataGB(m.ramBytes, p.volumes as number);
    const remaining = m.remainingBytes;
    if (this.watermark === 0 || remaining < this.watermark) this.lastProgressS = m.t;
    this.watermark = remaining;
    const elapsedS = Math.trunc(m.t);
    const pastBudget = this.budgetS > 0 && elapsedS > this.budgetS;
    const allowPostCopy = p.allowPostCopy as boolean;
    const allowDisruption = (p.allowWorkloadDisruption as boolean | null) ?? allowPostCopy;
    const progressTimeoutS = p.progressTimeout as number;
    if (m.inPostcopy || m.postcopyReason !== null) return;
    if (allowDisruption && pastBudget && !m.paused) {
      if (allowPostCopy) {
        m.requestPostcopy('kubevirt-postcopy');
        return;
      }
      m.pauseGuest('kubevirt-pause');
      this.budgetS *= 2;
      return;
    }
    if (progressTimeoutS !== 0 && Math.trunc(m.t - this.lastProgressS) > progressTimeoutS) {
      m.abort('kubevirt-no-progress');
      return;
    }
    if (pastBudget) m.abort('kubevirt-completion-timeout');
  }
}

export const kubevirt: RuleModule = {
  kind: 'kubevirt',
  role: 'rule',
  requires: ['qemu'],
  postcopy: (p) => p.allowPostCopy === true,
  summary: 'KubeVirt migration monitor: 400 ms polls; past 150 s per GB: post-copy or pause if disruption is allowed, else abort; abort after 150 s without progress',
  source: 'kubevirt/kubevirt @d923fdb8 pkg/virt-launcher/virtwrap/live-migration-source.go handleLegacyConvergence; pkg/virt-config/virt-config.go (docs/policies.md#kubevirt)',
  params: {
    completionTimeoutPerGiB: { kind: 'count', default: 150, min: 0, doc: 'completionTimeoutPerGiB: seconds per (decimal, rounded up) GB of guest memory and volumes; 0 = none' },
    progressTimeout: { kind: 'time', default: 150, min: 0, doc: 'progressTimeout: abort when the remaining data has not dropped for longer (0 = never)' },
    allowPostCopy: { kind: 'bool', default: false, doc: 'allowPostCopy: past the budget switch to post-copy' },
    allowWorkloadDisruption: { kind: 'bool', default: null, doc: 'allowWorkloadDisruption: past the budget post-copy or pause; unset = allowPostCopy' },
    allowAutoConverge: { kind: 'bool', default: false, doc: "allowAutoConverge: QEMU's auto-converge with its defaults" },
    volumes: { kind: 'bytes', default: 0, min: 0, doc: 'migrated volumes (and ephemeral disks of a block migration), counted in the size' },
    multifdChannels: {
      kind: 'count',
      default: 0,
      min: 0,
      max: MULTIFD_MAX_CHANNELS,
      doc: "multifd channels KubeVirt opens (8 unless the VM has dedicated CPUs or a CPU limit); > 0 sets the qemu base's multifdChannels (docs/wire.md#controllers); 0 (the default) leaves the base's",
    },
  },
  baseParams: (p) => ((p.multifdChannels as number) > 0 ? { multifdChannels: p.multifdChannels as number } : null),
  create: (p) => {
    const monitor: Rule = new KubeVirtMonitor(p);
    return withAutoConverge('kubevirt', monitor, p.allowAutoConverge as boolean);
  },
};
