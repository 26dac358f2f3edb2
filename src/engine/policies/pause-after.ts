import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';

/**
 * The management application pauses the guest at t = timeout to force
 * convergence (Bonzini and Liguori in the 2011 thread; libvirt `virsh migrate
 * --timeout N` with the default --timeout-suspend action calls
 * virDomainSuspend, tools/virsh-domain.c). Dirtying stops; the migration
 * carries on under its own rules; downtime counts from the pause.
 */
class PauseAfter extends RuleBase {
  readonly kind = 'pause-after';
  constructor(private readonly timeoutS: number) {
    super();
  }
  override nextTimerS(m: MigrationView): number {
    return m.paused ? Infinity : this.timeoutS;
  }
  override onTimer(m: MigrationView): void {
    m.pauseGuest('timeout-pause');
  }
}

export const pauseAfter: RuleModule = {
  kind: 'pause-after',
  role: 'rule',
  summary: 'pause the guest at t = timeout; the migration then converges, downtime counts from the pause',
  source: 'Bonzini/Liguori, qemu-devel 2011-09-15; libvirt virsh migrate --timeout (--timeout-suspend)',
  params: { timeout: { kind: 'time', default: 60, min: 0, doc: 'time from the start of the migration to the pause' } },
  create: (p) => new PauseAfter(p.timeout as number),
};
