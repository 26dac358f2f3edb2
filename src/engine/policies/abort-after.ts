import type { MigrationView } from '../view.js';
import { IterationRule, type RuleModule } from '../policy.js';

/**
 * Cancel the migration after N iterations or at a time: guestperf cancels
 * when dirty-sync-count > max_iters (30), i.e. after 30 completed
 * iterations, or when max_time (300 s) has passed (engine.py,
 * migrate_cancel). The guest stays on the source; outcome `aborted`.
 * Post-copy cannot be cancelled.
 */
class AbortAfter extends IterationRule {
  readonly kind = 'abort-after';
  constructor(
    private readonly passes: number | null,
    private readonly timeoutS: number | null,
  ) {
    super();
  }
  protected onIterations(m: MigrationView): void {
    if (this.passes !== null && m.iterations >= this.passes) m.abort('abort-passes');
  }
  override nextTimerS(): number {
    return this.timeoutS ?? Infinity;
  }
  override onTimer(m: MigrationView): void {
    m.abort('abort-timeout');
  }
}

export const abortAfter: RuleModule = {
  kind: 'abort-after',
  role: 'rule',
  summary: 'cancel after N iterations or at a time (guestperf: 30 iterations, 300 s); the guest stays on the source',
  source: 'QEMU tests/migration/guestperf engine.py (max_iters, max_time)',
  params: {
    passes: { kind: 'count', default: null, min: 0, doc: 'completed iterations before the cancel' },
    timeout: { kind: 'time', default: null, positive: true, doc: 'time of the cancel' },
  },
  check: (p) => (p.passes === null && p.timeout === null ? 'give passes or timeout (or both)' : null),
  create: (p) => new AbortAfter(p.passes as number | null, p.timeout as number | null),
};
