import type { Migration } from './migration.js';
import type { MigrationView } from './view.js';
import type { MemoryModel, PageContent, PageCosts } from './memory/model.js';
import type { EstimatorKind, ParamSpecs, ParamValues, WireFigures } from './types.js';

/**
 * A base runs the migration loop of one system (when it syncs the dirty
 * bitmap, how it measures bandwidth, when it decides, what a page costs).
 * Exactly one base heads a scenario's policy list.
 */
export interface Base {
  readonly kind: string;
  /** what a page costs on the wire and in the base's own count (bases with compression or delta encoding read the content) */
  costs(pageBytes: number, content: PageContent): PageCosts;
  /**
   * Bytes of page CPU work (PageCosts normalCpu, zeroCpu) the sender does
   * per second, all its threads together (multifd: channels x channel
   * rate); absent = unlimited. The stop-and-copy takes at least the pending
   * CPU work / this rate.
   */
  readonly cpuBytesPerSec?: number;
  /** the estimator this base uses unless the scenario overrides it */
  readonly defaultEstimator: EstimatorKind;
  /** the downtime limit (s) the base starts with */
  readonly downtimeLimitS: number;
  /** the live sending rate cap (bytes/s), Infinity = only the link */
  readonly maxBandwidthBytesPerSec: number;
  /**
   * Completed iterations as the system reports them to management software
   * (QEMU: dirty-sync-count - 1, which libvirt's iteration events and
   * guestperf count; textbook and QEMU 0.15: full passes; Xen: live rounds).
   * Rules that act "after N passes" compare against this.
   */
  iterations(m: MigrationView): number;
  run(m: Migration): void;
  /** query-migrate's wire figures from what the memory sent; absent = a single stream (zero pages only) */
  wireFigures?(mem: MemoryModel): WireFigures;
}

/**
 * An add-on rule or management-side controller. It is consulted at the
 * base's decision points and at its own timers, and acts through the
 * Migration's request methods (switch over, pause, abort, change the
 * downtime limit, ...). Rules keep their own state; one instance per run.
 */
export interface Rule {
  readonly kind: string;
  /** absolute time (s) of this rule's next own timer; Infinity when none */
  nextTimerS(m: MigrationView): number;
  onTimer(m: MigrationView): void;
  /** at each decision point of the base, before the base applies its own switch-over test */
  onDecision(m: MigrationView): void;
  /** after each dirty-bitmap sync, with the bytes newly marked by it */
  onSync(m: MigrationView, newlyDirtyBytes: number): void;
}

/** Shared no-op parts, so a rule implements only what it reacts to. */
export abstract class RuleBase implements Rule {
  abstract readonly kind: string;
  nextTimerS(_m: MigrationView): number {
    return Infinity;
  }
  onTimer(_m: MigrationView): void {}
  onDecision(_m: MigrationView): void {}
  onSync(_m: MigrationView, _newlyDirtyBytes: number): void {}
}

/**
 * A rule that reacts to the iteration count (as the base reports it): it is
 * checked at every decision and right after every sync, the way libvirt's
 * iteration event and guestperf's 50 ms poll see a new dirty-sync-count.
 */
export abstract class IterationRule extends RuleBase {
  protected abstract onIterations(m: MigrationView): void;
  override onDecision(m: MigrationView): void {
    this.onIterations(m);
  }
  override onSync(m: MigrationView, _newlyDirtyBytes: number): void {
    this.onIterations(m);
  }
}

interface ModuleCommon {
  kind: string;
  /** one line for `--help`, errors and the report */
  summary: string;
  /** where the behaviour comes from */
  source: string;
  params: ParamSpecs;
}

export interface BaseModule extends ModuleCommon {
  role: 'base';
  create(p: ParamValues): Base;
}

export interface RuleModule extends ModuleCommon {
  role: 'rule';
  /** bases this rule works with (post-copy needs QEMU's); absent = any */
  requires?: readonly string[];
  /**
   * Parameters of the base this controller sets for the migration (KubeVirt's
   * multifd channels, Proxmox's XBZRLE cache, sized from the guest's RAM;
   * docs/wire.md#controllers), or null: they replace the base's own values
   * (src/engine/wire/config.ts).
   */
  baseParams?(p: ParamValues, ramBytes: number): ParamValues | null;
  /** a check across the rule's constants and the base; returns what is wrong, or null */
  check?(p: ParamValues, baseKind: string): string | null;
  /**
   * Whether these constants turn post-copy on (QEMU's postcopy-ram
   * capability), which a guest with VFIO devices cannot have
   * (hw/vfio/migration.c vfio_save_prepare); absent = never
   */
  postcopy?(p: ParamValues): boolean;
  create(p: ParamValues): Rule;
}

export type PolicyModule = BaseModule | RuleModule;
