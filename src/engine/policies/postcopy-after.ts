import type { MigrationView } from '../view.js';
import { IterationRule, type RuleModule } from '../policy.js';

/**
 * Switch to post-copy after N iterations or at a time: libvirt
 * `--postcopy-after-precopy` calls virDomainMigrateStartPostCopy on the
 * iteration event of iteration 2, i.e. after the first pass (passes: 1;
 * tools/virsh-domain.c virshMigrateIteration); guestperf's post_copy_iters N
 * starts it when dirty-sync-count >= N (passes: N - 1; engine.py); libvirt
 * `--timeout-postcopy` on a timer. QEMU takes the request at its next
 * iteration (migrate-start-postcopy, docs/engine-model.md#post-copy).
 */
class PostcopyAfter extends IterationRule {
  readonly kind = 'postcopy-after';
  constructor(
    private readonly passes: number | null,
    private readonly timeoutS: number | null,
  ) {
    super();
  }
  protected onIterations(m: MigrationView): void {
    if (this.passes !== null && m.iterations >= this.passes) m.requestPostcopy('postcopy-after');
  }
  override nextTimerS(m: MigrationView): number {
    return this.timeoutS === null || m.postcopyReason !== null ? Infinity : this.timeoutS;
  }
  override onTimer(m: MigrationView): void {
    m.requestPostcopy('postcopy-after');
  }
}

export const postcopyAfter: RuleModule = {
  kind: 'postcopy-after',
  role: 'rule',
  requires: ['qemu'],
  postcopy: () => true,
  summary: 'switch to post-copy after N iterations (libvirt --postcopy-after-precopy: 1) or at a time',
  source: 'libvirt virsh migrate --postcopy-after-precopy / --timeout-postcopy; QEMU guestperf post_copy_iters',
  params: {
    passes: { kind: 'count', default: null, min: 0, doc: 'completed iterations (dirty-sync-count - 1) before the switch' },
    timeout: { kind: 'time', default: null, min: 0, doc: 'time of the switch' },
  },
  check: (p) => (p.passes === null && p.timeout === null ? 'give passes or timeout (or both)' : null),
  create: (p) => new PostcopyAfter(p.passes as number | null, p.timeout as number | null),
};
