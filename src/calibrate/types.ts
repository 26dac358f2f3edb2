// Types shared by the calibration modules: what a run is asked to do, what
// QEMU reported while it ran, and the record a run returns.
import type { FillContent, PageContent } from './guest.js';

/** QEMU's multifd-compression values (qapi/migration.json MultiFDCompression; zstd only where QEMU was built with it). */
export type MultifdCompression = 'none' | 'zlib' | 'zstd';

/** One real migration to perform. */
export interface MigrationRunConfig {
  /** Short id used in file names and CSV rows, e.g. "large-bw32". */
  name?: string;
  /** Guest RAM (QEMU -m), MiB. */
  ramMiB: number;
  /** Guest working set written cyclically, MiB; 0 = idle guest. */
  wsMiB: number;
  /** Guest page writes per second; 0 = idle guest. */
  ratePagesPerSec: number;
  /** Fill RAM above the guest kernel with non-zero bytes (default true). */
  fill?: boolean;
  /** QEMU max-bandwidth parameter, bytes/s. */
  maxBandwidthBytesPerSec: number;
  /** QEMU downtime-limit parameter, ms. */
  downtimeLimitMs: number;
  /** Turn on the auto-converge capability (defaults 20 % / +10, trigger 50 %). */
  autoConverge?: boolean;
  /** Cancel the migration (migrate_cancel) if it has not completed after this many seconds. */
  timeBoundS: number;
  /** What the fill writes (default `pattern`). */
  fillContent?: FillContent;
  /** What one page write changes (default `byte`). */
  pageContent?: PageContent;
  /** Bytes a `delta` write changes (default 1). */
  deltaBytes?: number;
  /** multifd channels, on source and destination (capability `multifd`, parameter multifd-channels); 0 = off (default). */
  multifdChannels?: number;
  /** multifd-compression (default none); needs multifdChannels > 0. */
  multifdCompression?: MultifdCompression;
  /** xbzrle-cache-size in bytes with the `xbzrle` capability on; 0 = off (default). */
  xbzrleCacheBytes?: number;
  /** The guest drops each page's TCG TLB entry before writing it, so QEMU < 9.0 logs every write (default false; calibrate/guest/guest.c `flush`). */
  flushTlb?: boolean;
}

/** One `query-migrate` answer from the source, flattened; null = field absent. */
export interface MigrationSample {
  /** Host time since the `migrate` command was sent, ms. */
  tMs: number;
  status: string;
  totalTimeMs: number | null;
  setupTimeMs: number | null;
  downtimeMs: number | null;
  expectedDowntimeMs: number | null;
  transferredBytes: number | null;
  remainingBytes: number | null;
  totalBytes: number | null;
  duplicatePages: number | null;
  normalPages: number | null;
  dirtyPagesRate: number | null;
  /** QEMU's `mbps` (10^6 bit/s): last 100 ms window while active, whole-run average once completed. */
  mbps: number | null;
  dirtySyncCount: number | null;
  precopyBytes: number | null;
  downtimeBytes: number | null;
  cpuThrottlePct: number | null;
  /** ram.multifd-bytes: bytes QEMU accounted to the multifd channels. */
  multifdBytes: number | null;
  /** xbzrle-cache (present while the xbzrle capability is on): pages encoded (hits, overflows and unchanged pages alike), misses, overflows, encoded bytes. */
  xbzrlePages: number | null;
  xbzrleCacheMiss: number | null;
  xbzrleOverflow: number | null;
  xbzrleBytes: number | null;
}

/** One per-second report of the guest's achieved write rate. */
export interface GuestTick {
  /** Host time since the `migrate` command, ms (negative = before), when the line was read. */
  tMs: number;
  /** Which QEMU printed it. */
  host: 'source' | 'destination';
  ratePagesPerSec: number;
  /** The guest's running count of page writes (kept in guest memory). */
  writes: number;
  /** Times the guest fell behind by more than one write interval in that second. */
  rebases: number;
}

export type MigrationOutcome = 'completed' | 'not-converged' | 'failed';

/** The result of one real migration. */
export interface MigrationRecord {
  name: string;
  config: Required<MigrationRunConfig>;
  qemuVersion: string;
  accel: string;
  outcome: MigrationOutcome;
  /** QEMU's error-desc for a failed migration. */
  errorDesc: string | null;
  /** QEMU total-time: final when completed, last seen otherwise, ms. */
  totalTimeMs: number;
  setupTimeMs: number | null;
  /** QEMU downtime (VM stop to completion, source side), ms; null unless completed. */
  downtimeMs: number | null;
  /** Last expected-downtime seen while active, ms. */
  expectedDowntimeMs: number | null;
  transferredBytes: number;
  /** RAM that QEMU migrates (ram.total: guest RAM plus ROM/firmware blocks), bytes. */
  ramTotalBytes: number;
  /** Final dirty-sync-count. */
  syncs: number;
  /** Highest cpu-throttle-percentage seen (0 when never throttled). */
  maxThrottlePct: number;
  /** Mean of `mbps` over the samples taken while active (10^6 bit/s). */
  meanMbps: number | null;
  /** `mbps` at completion: QEMU's own average over the run (10^6 bit/s). */
  finalMbps: number | null;
  /** Zero pages (ram.duplicate) and full pages (ram.normal) sent. */
  duplicatePages: number;
  normalPages: number;
  /** Bytes sent while the guest ran, and while it was stopped (ram.precopy-bytes, ram.downtime-bytes). */
  precopyBytes: number | null;
  downtimeBytes: number | null;
  /** ram.multifd-bytes at the end (0 without multifd). */
  multifdBytes: number | null;
  /** Final xbzrle-cache figures; null without XBZRLE. */
  xbzrlePages: number | null;
  xbzrleCacheMiss: number | null;
  xbzrleOverflow: number | null;
  xbzrleBytes: number | null;
  /** Guest's achieved write rate: mean of its reports in the last seconds before `migrate`. */
  guestRateBeforePagesPerSec: number | null;
  /** Mean of the source guest's reports while the migration ran. */
  guestRateDuringPagesPerSec: number | null;
  /** Lowest source report while the migration ran. */
  guestRateMinDuringPagesPerSec: number | null;
  /** Second report of the guest on the destination (the first spans the switch-over). */
  guestRateAfterPagesPerSec: number | null;
  /**
   * Source's last write count minus the destination's first (0 = consistent).
   * Positive: the destination resumed from older guest memory than the
   * source had, i.e. dirty-page updates were lost in the migration.
   */
  guestWritesLost: number | null;
  /** Bytes of RAM the guest filled with non-zero data; zero pages it counted below 640 KiB. */
  guestFillBytes: number | null;
  guestZeroLowPages: number | null;
  /** Host time of each MIGRATION_PASS event (one per dirty-bitmap sync), ms since `migrate`. */
  syncTimesMs: number[];
  /** Host time of the STOP event on the source (switch-over), ms since `migrate`. */
  stopTimeMs: number | null;
  /** Whole run, boot to shutdown, ms. */
  wallTimeMs: number;
  samples: MigrationSample[];
  guestTicks: GuestTick[];
}

/**
 * One row of measured.csv, as the comparison with the engine reads it back
 * (the fields it needs, named as the CSV columns). Reading the CSV rather
 * than the in-memory record lets `migsweep calibrate --from DIR` compare a
 * grid measured earlier or on another machine.
 */
export interface MeasuredRun {
  name: string;
  ramMiB: number;
  wsMiB: number;
  ratePagesPerSec: number;
  fill: boolean;
  maxBandwidthBytesPerSec: number;
  downtimeLimitMs: number;
  autoConverge: boolean;
  timeBoundS: number;
  outcome: MigrationOutcome;
  totalTimeMs: number;
  downtimeMs: number | null;
  transferredBytes: number;
  ramTotalBytes: number;
  syncs: number;
  maxThrottlePct: number;
  meanMbps: number | null;
  duplicatePages: number;
  downtimeBytes: number | null;
  guestRateBeforePagesPerSec: number | null;
  guestRateDuringPagesPerSec: number | null;
  /** Bytes of RAM the guest filled before `migrate` (its own report); null in a measured.csv without it. */
  guestFillBytes: number | null;
  /** The wire features and page contents of the run (measured.csv of the default grid has none of them: the defaults). */
  fillContent: FillContent;
  pageContent: PageContent;
  deltaBytes: number;
  multifdChannels: number;
  multifdCompression: MultifdCompression;
  xbzrleCacheBytes: number;
  flushTlb: boolean;
  /** Source's last write count minus the destination's first (see MigrationRecord); null where not measured. */
  guestWritesLost: number | null;
  /** What QEMU reported for them (null where it reported nothing). */
  multifdBytes: number | null;
  xbzrlePages: number | null;
  xbzrleCacheMiss: number | null;
  xbzrleOverflow: number | null;
  qemuVersion: string;
  accel: string;
}
