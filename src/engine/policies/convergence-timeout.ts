import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';

/**
 * Liguori's counter-proposal (qemu-devel 2011-09-14): keep the downtime limit
 * d0 until `timeout`, then raise it every `period`:
 * d(t) = d0 x factor^(floor((t - timeout) / period) + 1) for t >= timeout
 * ("at 1 minute downtime goes to 60ms, at 2 minutes 120ms, ..."). QEMU reads
 * the limit at every decision, so the new value applies at the next one.
 */
class ConvergenceTimeout extends RuleBase {
  readonly kind = 'convergence-timeout';
  constructor(
    private readonly timeoutS: number,
    private readonly periodS: number,
    private readonly factor: number,
  ) {
    super();
  }
  override onDecision(m: MigrationView): void {
    if (m.t < this.timeoutS) return;
    const steps = Math.floor((m.t - this.timeoutS) / this.periodS) + 1;
    m.setDowntimeLimit(m.baseDowntimeLimitS * this.factor ** steps, 'convergence-timeout');
  }
}

export const convergenceTimeout: RuleModule = {
  kind: 'convergence-timeout',
  role: 'rule',
  summary: "after `timeout`, multiply the downtime limit by `factor` every `period` (Liguori's exponential ramp)",
  source: 'Liguori, qemu-devel 2011-09-14 (docs/policies.md#background-the-2011-thread)',
  params: {
    timeout: { kind: 'time', default: 60, min: 0, doc: 'when the limit starts to grow' },
    period: { kind: 'time', default: 60, positive: true, doc: 'time between two raises' },
    factor: { kind: 'number', default: 2, positive: true, doc: 'growth per period' },
  },
  create: (p) => new ConvergenceTimeout(p.timeout as number, p.period as number, p.factor as number),
};
