import type { MigrationView } from '../view.js';
import { IterationRule, type RuleModule } from '../policy.js';

/**
 * Pause the guest after N iterations (QEMU guestperf's pause_iters: `stop`
 * once dirty-sync-count >= N, so pause_iters N is passes: N - 1 here;
 * tests/migration/guestperf/engine.py). The time-based twin is `pause-after`.
 */
class PauseAfterPasses extends IterationRule {
  readonly kind = 'pause-after-passes';
  constructor(private readonly passes: number) {
    super();
  }
  protected onIterations(m: MigrationView): void {
    if (!m.paused && m.iterations >= this.passes) m.pauseGuest('pause-after-passes');
  }
}

export const pauseAfterPasses: RuleModule = {
  kind: 'pause-after-passes',
  role: 'rule',
  summary: 'pause the guest after N completed iterations; downtime counts from the pause',
  source: 'QEMU tests/migration/guestperf engine.py (pause, pause_iters)',
  params: { passes: { kind: 'count', default: 4, min: 0, doc: 'completed iterations before the pause (guestperf pause_iters 5 = 4)' } },
  create: (p) => new PauseAfterPasses(p.passes as number),
};
