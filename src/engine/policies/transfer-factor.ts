import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';

/**
 * Force the switch-over at a decision point where more than factor x RAM has
 * been sent (Treutner 2011, MAX_TOTAL_MEMORY_TRANSFER_FACTOR = 3:
 * `bytes_transferred > 3 * ram_bytes_total()`, strictly greater). Bytes are
 * counted the way the base counts them (0.15: a duplicate page is 1 byte).
 */
class TransferFactor extends RuleBase {
  readonly kind = 'transfer-factor';
  constructor(private readonly factor: number) {
    super();
  }
  override onDecision(m: MigrationView): void {
    if (m.transferredBytes > this.factor * m.ramBytes) m.requestSwitchover('transfer-factor');
  }
}

export const transferFactor: RuleModule = {
  kind: 'transfer-factor',
  role: 'rule',
  summary: 'switch over once more than factor x RAM has been sent',
  source: 'Treutner, qemu-devel 2011-09-14, MAX_TOTAL_MEMORY_TRANSFER_FACTOR (docs/policies.md#background-the-2011-thread)',
  params: { factor: { kind: 'number', default: 3, positive: true, doc: 'bytes sent / RAM that forces the switch-over' } },
  create: (p) => new TransferFactor(p.factor as number),
};
