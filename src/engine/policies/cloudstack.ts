import type { MigrationView } from '../view.js';
import { RuleBase, type RuleModule } from '../policy.js';
import type { ParamValues } from '../types.js';

/** The KVM agent's loop sleeps 100 ms between checks. */
const POLL_S = 0.1;

/**
 * Apache CloudStack's KVM agent (apache/cloudstack, plugins/hypervisors/kvm
 * .../wrapper/LibvirtMigrateCommandWrapper.java execute: the loop around the
 * migration thread; agent.properties vm.migrate.downtime, vm.migrate.pauseafter,
 * vm.migrate.wait, all off by default). Every 100 ms: once 1 s has passed,
 * set the downtime limit to `downtime` (once); past `wait`, abort the job;
 * past `pauseAfter`, suspend the guest if it is running. The comparisons
 * are on the loop's own counter (strictly greater for wait and pauseAfter).
 */
class CloudStackAgent extends RuleBase {
  readonly kind = 'cloudstack';
  private ticks = 0;
  private downtimeSet = false;
  constructor(private readonly p: ParamValues) {
    super();
  }
  override nextTimerS(): number {
    return (this.ticks + 1) * POLL_S;
  }
  override onTimer(m: MigrationView): void {
    this.ticks++;
    const sleptMs = this.ticks * 100;
    const downtime = this.p.downtime as number | null;
    const wait = this.p.wait as number | null;
    const pauseAfter = this.p.pauseAfter as number | null;
    if (!this.downtimeSet && downtime !== null && sleptMs >= 1000) {
      this.downtimeSet = true;
      m.setDowntimeLimit(downtime, 'cloudstack');
    }
    if (wait !== null && sleptMs > wait * 1000) {
      m.abort('cloudstack-wait');
      return;
    }
    if (pauseAfter !== null && sleptMs > pauseAfter * 1000 && !m.paused) m.pauseGuest('cloudstack-pause');
  }
}

export const cloudstack: RuleModule = {
  kind: 'cloudstack',
  role: 'rule',
  summary: 'Apache CloudStack KVM agent: vm.migrate.downtime set after 1 s, pause after vm.migrate.pauseafter, abort after vm.migrate.wait (all off by default)',
  source: 'apache/cloudstack plugins/hypervisors/kvm LibvirtMigrateCommandWrapper.java (docs/policies.md#cloudstack)',
  params: {
    downtime: { kind: 'time', default: null, positive: true, doc: 'vm.migrate.downtime (ms in agent.properties; unset = off)' },
    pauseAfter: { kind: 'time', default: null, positive: true, doc: 'vm.migrate.pauseafter (ms; unset = off)' },
    wait: { kind: 'time', default: null, positive: true, doc: 'vm.migrate.wait (s; unset = off)' },
  },
  create: (p) => new CloudStackAgent(p),
};
