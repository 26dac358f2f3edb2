import type { MigrationView } from '../view.js';
import { RuleBase, type Rule, type RuleModule } from '../policy.js';
import type { ParamValues } from '../types.js';
import { withAutoConverge } from './rule-group.js';

/** QemuMigrate.pm $migrate_downtime_max: QEMU's own ceiling (options.c), ms. */
const MAX_DOWNTIME_MS = 2_000_000;
const SLOW_POLL_S = 1;
const FAST_POLL_S = 0.1;
/** More than this many polls whose remaining grew (or was 0) double the limit. */
const GROWTH_POLLS = 5;

/**
 * Proxmox VE's migration loop (proxmox/qemu-server @e6352be6,
 * src/PVE/QemuMigrate.pm phase2: the query-migrate loop,
 * increase_migrate_downtime). The downtime limit starts at
 * `migrate_downtime` (0.1 s). The loop sleeps 1 s, then 0.1 s for good once
 * the remaining bytes are below the average bytes transferred per poll
 * (transferred at the previous poll / polls so far). On each poll at which
 * bytes moved, a counter grows when the remaining bytes grew since the
 * last such poll or are 0; when it passes 5 the limit doubles (at most
 * 2,000,000 ms) and the counter restarts. No timeout, no abort.
 *
 * Proxmox turns on auto-converge for every migration (here with QEMU's
 * defaults; `autoConverge: false` leaves it out) and XBZRLE with a cache of
 * 10 % of RAM rounded up to a power of two (`xbzrle: true` sets the qemu
 * base's cache: docs/wire.md#controllers). Without a migration speed limit it sets
 * max-bandwidth to 16 GiB/s: use `policy[0].maxBandwidth: 16GiB/s` (or 0).
 */
/** QemuMigrate.pm phase2: xbzrle-cache-size = 10 % of the guest's memory, rounded up to a power of two (round_powerof2). */
export function proxmoxXbzrleCacheBytes(ramBytes: number): number {
  return 2 ** Math.ceil(Math.log2(ramBytes / 10));
}

class ProxmoxLoop extends RuleBase {
  readonly kind = 'proxmox';
  private started = false;
  private nextPollS = 0;
  private sleepS = SLOW_POLL_S;
  private polls = 0;
  private lastTransferred = 0;
  private lastRemaining = 0;
  private counter = 0;
  private downtimeMs: number;
  constructor(p: ParamValues) {
    super();
    this.downtimeMs = Math.min((p.downtime as number) * 1000, MAX_DOWNTIME_MS);
  }
  override nextTimerS(): number {
    return this.nextPollS;
  }
  override onTimer(m: MigrationView): void {
    if (!this.started) {
      // migrate-set-parameters before `migrate`
      this.started = true;
      m.setDowntimeLimit(this.downtimeMs / 1000, 'proxmox');
      this.nextPollS = m.t + this.sleepS;
      return;
    }
    this.polls++;
    const average = this.lastTransferred ? this.lastTransferred / this.polls : 0;
    const transferred = m.transferredBytes;
    if (transferred !== this.lastTransferred) {
      const remaining = m.remainingBytes;
      if (average && remaining < average) this.sleepS = FAST_POLL_S;
      if ((this.lastRemaining && remaining > this.lastRemaining) || remaining === 0) this.counter++;
      this.lastRemaining = remaining;
      if (this.counter > GROWTH_POLLS) {
        this.counter = 0;
        this.downtimeMs = this.downtimeMs >= MAX_DOWNTIME_MS ? MAX_DOWNTIME_MS : Math.min(this.downtimeMs * 2, MAX_DOWNTIME_MS);
        m.setDowntimeLimit(this.downtimeMs / 1000, 'proxmox-downtime');
      }
    }
    this.lastTransferred = transferred;
    this.nextPollS = m.t + this.sleepS;
  }
}

export const proxmox: RuleModule = {
  kind: 'proxmox',
  role: 'rule',
  requires: ['qemu'],
  summary: 'Proxmox VE: 100 ms limit doubled after more than 5 polls (1 s, then 0.1 s) on which the remaining data grew; auto-converge on; never aborts',
  source: 'proxmox/qemu-server @e6352be6 src/PVE/QemuMigrate.pm phase2 (docs/policies.md#proxmox)',
  params: {
    downtime: { kind: 'time', default: 0.1, positive: true, doc: 'migrate_downtime (seconds in the VM config)' },
    autoConverge: { kind: 'bool', default: true, doc: "auto-converge with QEMU's defaults (Proxmox always sets it)" },
    xbzrle: {
      kind: 'bool',
      default: false,
      doc: "XBZRLE with a cache of 10 % of RAM rounded up to a power of two (Proxmox always turns it on): true sets the qemu base's xbzrleCacheSize (docs/wire.md#controllers); false (the default) leaves the base's",
    },
  },
  baseParams: (p, ramBytes) => (p.xbzrle === true ? { xbzrleCacheSize: proxmoxXbzrleCacheBytes(ramBytes) } : null),
  create: (p) => {
    const loop: Rule = new ProxmoxLoop(p);
    return withAutoConverge('proxmox', loop, p.autoConverge as boolean);
  },
};
