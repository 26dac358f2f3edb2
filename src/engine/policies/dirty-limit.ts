import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';
import { ThrottleTrigger } from './throttle-trigger.js';

/**
 * QEMU dirty-limit (capability since 8.1, needs the KVM dirty ring;
 * docs/policies.md#dirty-limit). The auto-converge trigger, when it fires, calls
 * migration_dirty_limit_guest(): every vCPU's dirty rate is capped at
 * `vcpuLimit` (vcpu-dirty-limit, 1 MB/s by default). QEMU's controller
 * (system/dirtylimit.c) converges to the quota over a few 1 s periods by
 * sleeping vCPUs on dirty-ring-full exits; we apply the cap from the trigger
 * on, to the guest's page-write rate, for all vCPUs together.
 */
class DirtyLimit extends RuleBase {
  readonly kind = 'dirty-limit';
  private readonly trigger: ThrottleTrigger;
  constructor(
    private readonly vcpuLimitBytesPerSec: number,
    triggerThreshold: number,
  ) {
    super();
    this.trigger = new ThrottleTrigger(triggerThreshold);
  }
  override onSync(m: MigrationView, newlyDirtyBytes: number): void {
    if (this.trigger.onSync(m, newlyDirtyBytes)) m.setDirtyRateCap(this.vcpuLimitBytesPerSec * m.vcpus);
  }
}

export const dirtyLimit: RuleModule = {
  kind: 'dirty-limit',
  role: 'rule',
  requires: ['qemu'],
  summary: "on the auto-converge trigger, cap each vCPU's dirty rate at vcpuLimit (1 MB/s)",
  source: 'QEMU migration_dirty_limit_guest, system/dirtylimit.c; options.c (docs/policies.md#dirty-limit)',
  params: {
    vcpuLimit: { kind: 'rate', default: 1024 * 1024, positive: true, doc: 'vcpu-dirty-limit per vCPU (QEMU: 1 MB/s, in MiB)' },
    triggerThreshold: { kind: 'number', default: 50, min: 1, max: 100, doc: 'throttle-trigger-threshold (%)' },
  },
  create: (p) => new DirtyLimit(p.vcpuLimit as number, p.triggerThreshold as number),
};
