/**
 * The dirty-page state of a guest during pre-copy, behind one interface with
 * two fidelities: `fluid` (expected values in closed form) and `page` (a
 * bitmap with seeded random writes). Both keep the two bitmaps QEMU keeps:
 * the migration bitmap ("marked": pages still to send) and the dirty log
 * (pages written since the last sync), which a sync ORs into the migration
 * bitmap (QEMU migration/ram.c migration_bitmap_sync; docs/engine-model.md#the-event-driven-closed-form).
 */

/** How a class of pages gets written. */
export const enum Dirtying {
  /** never written (zero pages, RAM outside the working set) */
  None = 0,
  /** page writes at random, uniform over the class: unique dirty = S (1 - exp(-w t / S)) */
  Uniform = 1,
  /** every written byte is a page not yet pending: dirty = min(w t, S) (the textbook model) */
  Linear = 2,
  /**
   * page after page over the class, round and round (a sequential writer):
   * dirty = min(w t, S) like linear, but the pages written are the next in
   * the cycle, pending or not
   */
  Cyclic = 3,
}

/**
 * A class of pages: same write process, same page content kind. Classes are
 * spread evenly over the address space, so the send cursor meets each in
 * proportion to its size.
 */
export interface PageClass {
  sizeBytes: number;
  writeBytesPerSec: number;
  dirtying: Dirtying;
  /** holds zero pages (sent at the base's zero-page cost) */
  zero: boolean;
  name: string;
}

/** What the guest's written pages hold, as far as the wire cares (Scenario.workload; docs/wire.md). */
export interface PageContent {
  /** compressed / raw size of a written page at the compressor's default level */
  compressibility: number;
  /** bytes XBZRLE encodes for a re-written page against its previous copy (its changed bytes) */
  deltaBytes: number;
}

/** What one page costs on the wire and in the base's own byte count. */
export interface PageCosts {
  normalWire: number;
  zeroWire: number;
  normalAccounted: number;
  zeroAccounted: number;
  /**
   * Bytes of sender CPU work a page takes (multifd channels copying or
   * compressing it, docs/wire.md#channel-cpu); absent = 0, the sender's CPU
   * never limits. A base that sets them declares its rate (Base.cpuBytesPerSec).
   */
  normalCpu?: number;
  zeroCpu?: number;
  /** XBZRLE on the single stream (docs/wire.md#xbzrle); absent = off */
  xbzrle?: XbzrleCosts;
}

/**
 * XBZRLE as the memory applies it: from the end of the first full pass,
 * each normal page is looked up in a direct-mapped cache of `cachePages`
 * slots (a power of two); a hit costs `hitWire` (`hitOverflows`: the
 * encoding did not fit a page, it went whole), a miss a full page.
 */
export interface XbzrleCosts {
  cachePages: number;
  hitWire: number;
  hitOverflows: boolean;
}

export interface MemoryModel {
  readonly ramBytes: number;
  readonly pageBytes: number;
  /** completed wraps of the send cursor past the end of RAM (full passes) */
  wraps: number;
  /** cumulative wire bytes and accounted bytes sent */
  sentWire: number;
  sentAccounted: number;
  /** pages sent so far, normal and zero (query-migrate `normal` and `duplicate`; expected values in the fluid model) */
  sentNormalPages: number;
  sentZeroPages: number;
  /** XBZRLE cache lookups, hits and overflowed encodings so far (expected values in the fluid model) */
  xbzrleLookups: number;
  xbzrleHits: number;
  xbzrleOverflows: number;

  setCosts(costs: PageCosts): void;
  /** Mark every page (the first pass), empty the log, cursor at the start. */
  markAll(): void;
  /** Let the guest write for dtS seconds at its base rates scaled by `factor` (0 paused, 1 - throttle...). */
  expose(dtS: number, factor: number): void;
  /** OR the log into the marked set and empty it; returns the bytes newly marked. */
  sync(): number;
  /** Bytes written since the last sync as the log holds them now (unique pages x page size). */
  loggedBytes(): number;
  /** Marked bytes (pages x page size), ahead of and behind the cursor. */
  pendingBytes(): number;
  /** Wire bytes needed to send every marked page ahead of the cursor (to the end of this pass). */
  aheadWireBytes(): number;
  /** Wire bytes needed to send every marked page. */
  pendingWireBytes(): number;
  /** Accounted bytes (PageCosts normalAccounted, zeroAccounted) of every marked page ahead of the cursor. */
  aheadAccountedBytes(): number;
  /** Accounted bytes (PageCosts normalAccounted, zeroAccounted) of every marked page. */
  pendingAccountedBytes(): number;
  /** Sender CPU work (PageCosts normalCpu, zeroCpu) needed to send every marked page. */
  pendingCpuBytes(): number;
  /** Send marked pages from the cursor on, wrapping, until `budget` wire bytes are used or nothing is marked; returns wire bytes sent. */
  sendWire(budget: number): number;
  /**
   * Xen's pass (xc_domain_save, docs/policies.md#xen): walk the next `spanBytes`
   * of address space ahead of the cursor, sending the marked pages except
   * those written since the last sync when `skipLogged` (they would be sent
   * again anyway; they stay marked for the next pass). Wraps at the end of
   * RAM. Returns wire bytes sent; `skippedBytes` counts what was skipped.
   */
  sendAheadChunk(spanBytes: number, skipLogged: boolean): number;
  /** address-space bytes ahead of the cursor */
  aheadSpanBytes(): number;
  /** cumulative bytes skipped by sendAheadChunk */
  skippedBytes: number;
  /** Send every marked page (the stop-and-copy); returns wire bytes sent. */
  sendAll(): number;
  /** Current write rate in bytes/s of page writes, for a given factor. */
  writeRate(factor: number): number;
  /** The page classes, as given. */
  readonly classes: readonly PageClass[];
  /** Marked bytes of one class. */
  pendingBytesOf(c: number): number;
  /**
   * Mark every page where the cursor stands and empty the log, returning
   * the bytes newly marked: a sync with a VFIO device that tracks no DMA
   * writes, for which QEMU marks all guest RAM dirty (docs/wire.md#device-state).
   */
  markEvery(): number;
}
