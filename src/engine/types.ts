/**
 * Types shared by the engine. Units: seconds and bytes inside the engine;
 * results say their unit in the name (Ms, Bytes).
 */

/** How a policy constant is written in a scenario; the scenario layer converts it to base units. */
export type ParamKind = 'bytes' | 'rate' | 'time' | 'count' | 'number' | 'share' | 'enum' | 'bool' | 'trace';

export interface ParamSpec {
  kind: ParamKind;
  /** Default in base units; absent = required. `null` = optional with no value. */
  default?: number | string | boolean | null;
  min?: number;
  max?: number;
  /** Lower bound excluded (e.g. a bandwidth must be > 0). */
  positive?: boolean;
  choices?: readonly string[];
  doc: string;
  /**
   * Only a column where set to other than its default: a parameter added
   * after results were published, so that their runs.csv and `run --json`
   * keep their columns while it is left alone (sweep rows then show every
   * value, the default included, once one scenario sets it).
   */
  columnWhenSet?: boolean;
}

export type ParamSpecs = Record<string, ParamSpec>;
export type ParamValues = Record<string, number | string | boolean | null>;

/** One entry of a scenario's policy list, validated, constants in base units. */
export interface PolicyEntry {
  kind: string;
  [param: string]: number | string | boolean | null;
}

export type WorkloadKind = 'linear' | 'uniform' | 'hotcold' | 'cyclic' | 'trace';

/**
 * A recorded dirty rate, read from a file at the edge: from timesS[i] on the
 * guest writes ratesBytesPerSec[i] (until the next time; the last rate holds).
 */
export interface DirtyTrace {
  path: string;
  timesS: number[];
  ratesBytesPerSec: number[];
}
export type Fidelity = 'fluid' | 'page';
export type EstimatorKind = 'wire' | 'buffer' | 'bias';

/**
 * A VFIO device with migration support (docs/wire.md#device-state; QEMU
 * hw/vfio/migration.c): its pre-copy-able initial data, the data that only
 * moves with the guest stopped, whether it can track the guest RAM it writes
 * by DMA, and how long the destination takes to load the initial data.
 */
export interface VfioDevice {
  name: string;
  /** bytes of initial data the device offers in pre-copy (VFIO_MIG_GET_PRECOPY_INFO initial_bytes); 0 = no pre-copy */
  precopyBytes: number;
  /** bytes the device hands over once stopped (VFIO_DEVICE_FEATURE_MIG_DATA_SIZE stop_copy_length) */
  stopCopyBytes: number;
  /** false: neither the device nor the IOMMU tracks DMA writes, so every sync marks all guest RAM dirty */
  dirtyTracking: boolean;
  /** seconds the destination takes to load the initial data before it can acknowledge (switchover-ack) */
  loadTime: number;
}

/** A validated scenario, every quantity in base units (bytes, bytes/s, seconds). */
export interface Scenario {
  /**
   * deviceState: bytes of (non-iterable) device state sent while the guest is stopped; vcpus: for throttle
   * accounting and per-vCPU limits; devices: VFIO devices (empty: none)
   */
  vm: { ram: number; pageSize: number; zeroShare: number; vcpus: number; deviceState: number; devices?: VfioDevice[] };
  workload: {
    kind: WorkloadKind;
    /** bytes/s of page writes (linear: of newly dirtied bytes) */
    dirtyRate: number;
    /** bytes; null = all RAM that does not hold zero pages (or `workingSetShare` of RAM) */
    workingSet: number | null;
    /** the working set as a share of RAM (whole pages), when `workingSet` is null; null = not given */
    workingSetShare?: number | null;
    /** hotcold only: bytes of the hot set and its share of the writes */
    hotSet?: number;
    hotShare?: number;
    /** trace only: the recorded rates, and how the writes spread over the working set */
    file?: DirtyTrace;
    pattern?: 'uniform' | 'cyclic' | 'linear';
    /**
     * Share of vCPU time the writer needs for its rate. A CPU throttle that
     * leaves the vCPUs less than this slows the writes in proportion:
     * factor = min(1, (1 - throttle) / cpuShare). 1 = the rate follows run
     * time exactly (a writer that does not catch up after a stall).
     */
    cpuShare: number;
    /**
     * Where the classes lie in the address space (page fidelity only; the
     * fluid model assumes `scattered`): `contiguous` puts the working set in
     * one block at the start of RAM, which matters for a cyclic writer racing
     * the send cursor in address order.
     */
    layout: 'scattered' | 'contiguous';
    /**
     * A seeded fluctuation of the write rate (docs/engine-model.md#fluctuating-dirty-rates):
     * every `period` seconds the rate is multiplied by exp(spread x - spread^2 / 2),
     * x a stationary AR(1) normal process with correlation time `correlation`
     * (0 = independent periods). null = a steady rate.
     */
    fluctuation?: { spread: number; period: number; correlation: number } | null;
    /** seconds after which the guest stops writing (a build that ends); null = never */
    duration?: number | null;
    /** the catalogue entry the workload was expanded from (src/engine/workloads/presets.ts), or null */
    preset?: string | null;
    /** compressed / raw size of a written page at QEMU's default zlib/zstd level (docs/wire.md#compression) */
    compressibility?: number;
    /** bytes XBZRLE encodes for a re-written page: what a write changes in it (docs/wire.md#xbzrle) */
    deltaBytes?: number;
  };
  /** jitter: sigma of the per-period log-normal variation of the link rate (0 = a constant rate) */
  link: { bandwidth: number; latency: number; jitter: number };
  policy: PolicyEntry[];
  /** null = the base's own estimator (precopy: wire; qemu-2011: buffer) */
  estimator: { kind: EstimatorKind; bufferRate?: number; factor?: number } | null;
  horizon: number;
  seed: number;
  fidelity: Fidelity;
}

export type Outcome = 'completed' | 'aborted' | 'unfinished';

/**
 * The wire figures people read in QEMU's query-migrate (docs/wire.md#figures).
 * They are part of a run's output only when the run turns a wire feature on
 * (multifd, compression, XBZRLE), so that other runs' outputs stay as they were.
 */
export interface WireFigures {
  /** bytes the multifd channels sent (query-migrate ram.multifd-bytes): packet headers and payloads */
  multifdBytes: number;
  /** zero pages sent (ram.duplicate) */
  zeroPages: number;
  /** XBZRLE cache hits / pages looked up (1 - xbzrle-cache.cache-miss-rate); NaN when XBZRLE never ran */
  xbzrleHitRate: number;
  /** pages whose XBZRLE encoding overflowed a page (xbzrle-cache.overflow) and went whole */
  xbzrleOverflows: number;
  /** compressed payload / raw bytes of the pages the channels compressed; NaN without compression */
  compressedRatio: number;
  /** CPU seconds the channels spent compressing (raw bytes / per-channel rate) */
  compressionCpuSeconds: number;
}

export interface RunResult extends WireFigures {
  totalTimeMs: number;
  /** Guest-visible downtime; NaN when the migration did not complete. */
  downtimeMs: number;
  /** What the policy believed the downtime would be at switch-over (last estimate if it never switched). */
  expectedDowntimeMs: number;
  /** Bytes as the base accounts them (its own `transferred` figure; the one transfer-factor rules compare). */
  transferredBytes: number;
  /** Bytes that crossed the link, page headers included. */
  wireBytes: number;
  ramBytes: number;
  transferFactor: number;
  syncs: number;
  passes: number;
  outcome: Outcome;
  stopReason: string;
  maxThrottlePct: number;
  throttleCpuSeconds: number;
  postcopyMs: number;
  /** remote page faults of the guest during post-copy (page writes to pages not yet received) */
  postcopyFaults: number;
  /** vCPU time spent waiting for those pages (each fault: a round trip plus the page's transfer) */
  postcopyBlockedMs: number;
  /**
   * VFIO device data moved with the guest stopped: the devices' stop-copy bytes plus any pre-copy data
   * not sent by then; NaN when the migration did not switch over (a column only when the scenario has devices)
   */
  deviceStopCopyBytes: number;
}

/** One point of a single run's timeline (for `migsweep run --timeline`). */
export interface TimelinePoint {
  tMs: number;
  event: string;
  pendingBytes: number;
  transferredBytes: number;
  passes: number;
  syncs: number;
  dirtyRateBytesPerSec: number;
  throttlePct: number;
  downtimeLimitMs: number;
}
