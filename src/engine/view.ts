/**
 * What a rule (an add-on stop condition or a management-side controller)
 * sees of a running migration, and the requests it can make. Rules get this
 * view, never the Migration itself: they observe what a real implementation
 * could observe and act only through the requests below, which the engine
 * applies at the base's next chance (a switch-over, post-copy) or at once
 * (pause, abort, limit, throttle). See docs/engine-api.md.
 */
export interface MigrationView {
  // ---- observations ----------------------------------------------------------
  /** seconds since the migration started */
  readonly t: number;
  /** dirty-bitmap syncs so far (the initial marking of all RAM counts as one) */
  readonly syncs: number;
  /** full passes over RAM */
  readonly passes: number;
  /** completed iterations as the base reports them (see Base.iterations) */
  readonly iterations: number;
  /** bytes as the base counts them (QEMU's `ram.transferred`) */
  readonly transferredBytes: number;
  readonly ramBytes: number;
  readonly vcpus: number;
  /** pending bytes at the base's last decision point */
  readonly pendingBytes: number;
  /** the bytes still marked now (QEMU's ram `remaining`, as query-migrate and libvirt's job stats report it) */
  readonly remainingBytes: number;
  /** the bandwidth the base believes in (its estimator's last figure), bytes/s */
  readonly bandwidthEstimate: number;
  /** bytes newly dirtied per second between the last two syncs */
  readonly dirtyRateEstimate: number;
  /** the downtime limit now (s) */
  readonly downtimeLimitS: number;
  /** the downtime limit the base started with (s) */
  readonly baseDowntimeLimitS: number;
  readonly paused: boolean;
  /** CPU throttle in [0, 1) */
  readonly throttle: number;
  readonly inPostcopy: boolean;
  /** the reason of a post-copy request not yet carried out (null: none) */
  readonly postcopyReason: string | null;
  /** the migration is over (a rule consulted after another one ended it must do nothing) */
  readonly ended: boolean;

  // ---- requests ----------------------------------------------------------------
  /** Stop and copy at the base's next chance (the first request's reason wins). */
  requestSwitchover(reason: string): void;
  /** Switch to post-copy at the base's next decision (bases that support it). */
  requestPostcopy(reason: string): void;
  /** Stop the guest now; the migration goes on, the downtime counts from here. */
  pauseGuest(reason: string): void;
  /** Cancel: the guest stays on the source. Ignored once post-copy has started. */
  abort(reason: string): void;
  /** Change the downtime limit; `by` is credited with a completion under a raised limit. */
  setDowntimeLimit(limitS: number, by: string): void;
  /** Keep the vCPUs from running `share` of the time (auto-converge). */
  setThrottle(share: number): void;
  /** Cap the guest's page-write rate (dirty-limit), bytes/s. */
  setDirtyRateCap(bytesPerSec: number): void;
  /** Scale the workload's own write rate (a trace's phases), as a share of its peak. */
  setWriteFactor(share: number): void;
  /** Sync the dirty bitmap now (QEMU >= 9.2's periodic sync under auto-converge). */
  forceSync(): void;
}
