import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';

/**
 * libvirt `virsh migrate --timeout N` (tools/virsh-domain.c cmdMigrate,
 * virshMigrateTimeout): when the live migration exceeds N seconds, run the
 * action: `suspend` (--timeout-suspend, the default: virDomainSuspend, the
 * guest is paused and the migration converges) or `postcopy`
 * (--timeout-postcopy: virDomainMigrateStartPostCopy).
 */
class LibvirtTimeout extends RuleBase {
  readonly kind = 'libvirt-timeout';
  private fired = false;
  constructor(
    private readonly timeoutS: number,
    private readonly action: string,
  ) {
    super();
  }
  override nextTimerS(): number {
    return this.fired ? Infinity : this.timeoutS;
  }
  override onTimer(m: MigrationView): void {
    this.fired = true;
    if (this.action === 'postcopy') m.requestPostcopy('timeout-postcopy');
    else m.pauseGuest('timeout-pause');
  }
}

export const libvirtTimeout: RuleModule = {
  kind: 'libvirt-timeout',
  role: 'rule',
  summary: 'at t = timeout, suspend the guest or switch to post-copy (virsh migrate --timeout)',
  source: 'libvirt tools/virsh-domain.c cmdMigrate, virshMigrateTimeout (docs/policies.md#libvirt-timeout)',
  params: {
    timeout: { kind: 'time', positive: true, doc: '--timeout (seconds of live migration)' },
    action: { kind: 'enum', default: 'suspend', choices: ['suspend', 'postcopy'], doc: '--timeout-suspend or --timeout-postcopy' },
  },
  postcopy: (p) => p.action === 'postcopy',
  check: (p, base) => (p.action === 'postcopy' && base !== 'qemu' ? `action postcopy needs the base qemu, found '${base}'` : null),
  create: (p) => new LibvirtTimeout(p.timeout as number, p.action as string),
};
