import { Dirtying, type MemoryModel, type PageClass, type PageCosts, type XbzrleCosts } from './model.js';
import { xbzrleLifetimeShare, xbzrleSteadyHitRate } from '../wire/xbzrle.js';

/**
 * Fluid (expected-value) dirty state. Per class c of size S_c spread evenly
 * over the address space, it keeps the marked bytes ahead of the send cursor
 * (A_c) and behind it (B_c), and the write exposure E_c (bytes written) since
 * the last sync. Marks ahead of the cursor stay evenly spread over the part
 * of RAM ahead of it (a sync adds marks uniformly, the cursor removes them
 * from the front), so the cursor moves through the address space at a
 * constant speed between events and sending is closed form.
 *
 * Sync, uniform writes: the log holds L = S (1 - exp(-E/S)) and is
 * independent of the marks (random writes do not know which pages are still
 * pending), so the union adds (S - M) (1 - exp(-E/S)): the occupancy model of
 * docs/engine-model.md#the-event-driven-closed-form. Linear writes land on pages not yet
 * pending (every dirtied byte is new): the union adds min(E, S - M).
 */
export class FluidMemory implements MemoryModel {
  readonly ramBytes: number;
  readonly pageBytes: number;
  wraps = 0;
  sentWire = 0;
  sentAccounted = 0;
  sentNormalPages = 0;
  sentZeroPages = 0;
  xbzrleLookups = 0;
  xbzrleHits = 0;
  xbzrleOverflows = 0;
  skippedBytes = 0;
  readonly classes: readonly PageClass[];

  private readonly k: number;
  private readonly size: Float64Array;
  private readonly rate: Float64Array;
  private readonly dirtying: Uint8Array;
  private readonly zero: Uint8Array;
  private readonly wirePerByte: Float64Array;
  private readonly acctPerByte: Float64Array;
  private readonly cpuPerByte: Float64Array;
  private readonly ahead: Float64Array;
  private readonly behind: Float64Array;
  private readonly exposure: Float64Array;
  /** marked bytes known to be in the log (pages Xen skipped because they were written since the sync) */
  private readonly knownLogged: Float64Array;
  /** cyclic writers: the arc written before the last sync, and the share of the marks that lie in it */
  private readonly prevArc: Float64Array;
  private readonly arcShare: Float64Array;
  /** address-space bytes ahead of the cursor */
  private aheadSpan: number;

  // ---- XBZRLE (docs/wire.md#xbzrle) ----
  private xbzrle: XbzrleCosts | null = null;
  /** from the end of the first full pass (ram.c find_dirty_block: xbzrle_started) */
  private xbzrleStarted = false;
  /** the steady share of look-ups of seen pages that hit (xbzrleSteadyHitRate, times xbzrleLifetimeShare) */
  private xbzrleHitRate = 0;
  /** xbzrleSteadyHitRate of the written pages: the hit rate while every slot's owner outlives its protection */
  private xbzrleOwnedShare = 0;
  /** seconds since the last bitmap sync (the guest's time, paused or not) */
  private sinceSyncS = 0;
  /** the written pages' bytes, and whether they are all written in sequence over one block (xbzrleLifetime applies) */
  private xbzrleWrittenBytes = 0;
  private xbzrleSequential = false;
  private fullWire = 0;
  private fullAccounted = 0;
  /** per class: bytes looked up at least once since XBZRLE started, and the share of the next look-ups that are first ones */
  private readonly xbzrleSeen: Float64Array;
  private readonly xbzrleCold: Float64Array;

  /** the written classes lie in one block of addresses (`layout: contiguous`): what decides their XBZRLE slots */
  private readonly contiguous: boolean;

  constructor(ramBytes: number, pageBytes: number, classes: readonly PageClass[], contiguous = false) {
    this.contiguous = contiguous;
    this.ramBytes = ramBytes;
    this.pageBytes = pageBytes;
    this.classes = classes;
    const k = classes.length;
    this.k = k;
    this.size = new Float64Array(k);
    this.rate = new Float64Array(k);
    this.dirtying = new Uint8Array(k);
    this.zero = new Uint8Array(k);
    this.wirePerByte = new Float64Array(k).fill(1);
    this.acctPerByte = new Float64Array(k).fill(1);
    this.cpuPerByte = new Float64Array(k);
    this.xbzrleSeen = new Float64Array(k);
    this.xbzrleCold = new Float64Array(k);
    this.ahead = new Float64Array(k);
    this.behind = new Float64Array(k);
    this.exposure = new Float64Array(k);
    this.knownLogged = new Float64Array(k);
    this.prevArc = new Float64Array(k);
    this.arcShare = new Float64Array(k);
    for (const [c, cl] of classes.entries()) {
      this.size[c] = cl.sizeBytes;
      this.rate[c] = cl.writeBytesPerSec;
      this.dirtying[c] = cl.dirtying;
      this.zero[c] = cl.zero ? 1 : 0;
    }
    this.aheadSpan = ramBytes;
  }

  setCosts(costs: PageCosts): void {
    for (let c = 0; c < this.k; c++) {
      const z = this.zero[c] === 1;
      this.wirePerByte[c] = (z ? costs.zeroWire : costs.normalWire) / this.pageBytes;
      this.acctPerByte[c] = (z ? costs.zeroAccounted : costs.normalAccounted) / this.pageBytes;
      this.cpuPerByte[c] = ((z ? costs.zeroCpu : costs.normalCpu) ?? 0) / this.pageBytes;
    }
    this.xbzrle = costs.xbzrle ?? null;
    if (this.xbzrle !== null) {
      this.fullWire = costs.normalWire;
      this.fullAccounted = costs.normalAccounted;
      // the pages that come back after the first pass compete for the slots: the written ones
      let written = 0;
      let uniform = false;
      for (let c = 0; c < this.k; c++)
        if (this.zero[c] === 0 && this.dirtying[c] !== Dirtying.None) {
          written += this.size[c]!;
          uniform ||= this.dirtying[c] === Dirtying.Uniform;
        }
      this.xbzrleWrittenBytes = written;
      this.xbzrleSequential = this.contiguous && !uniform;
      this.xbzrleOwnedShare = xbzrleSteadyHitRate(written / this.pageBytes, this.xbzrle.cachePages, this.contiguous);
      this.xbzrleHitRate = this.xbzrleOwnedShare;
    }
  }

  /**
   * QEMU keeps a slot's page against the others only for
   * CACHED_PAGE_LIFETIME (2) syncs after it was put in or hit
   * (page_cache.c cache_insert), so at a sync the steady hit rate of a
   * sequential writer over one block becomes the owned share times the
   * share of owners that outlive their protection
   * (xbzrleLifetimeShare, docs/wire.md#xbzrle), with the interval just
   * ended as the sync interval and the writer's period (written bytes over
   * the bytes written in it, per second) as a page's return time. Scattered
   * pages and random writers keep the owned share.
   */
  private xbzrleLifetime(): void {
    const t = this.sinceSyncS;
    this.sinceSyncS = 0;
    if (this.xbzrle === null || !this.xbzrleSequential || !(t > 0)) return;
    // bytes written in the interval by the classes that compete for the slots (setCosts: the non-zero written ones)
    let written = 0;
    for (let c = 0; c < this.k; c++) if (this.zero[c] === 0) written += this.exposure[c]!;
    if (!(written > 0)) return;
    const w = this.xbzrleWrittenBytes;
    this.xbzrleHitRate = this.xbzrleOwnedShare * xbzrleLifetimeShare(w / this.pageBytes, this.xbzrle.cachePages, (w * t) / written, t);
  }

  /**
   * XBZRLE's expected cost of a normal page of each class now: a page looked
   * up for the first time since XBZRLE started misses (and goes in the
   * cache); a page seen before hits with the steady hit rate. Uniform
   * writes pick pages at random, so the first look-ups are the unseen share
   * of the class; cyclic and linear writes go round it, so all are first
   * ones until the class has been seen once.
   */
  private refreshXbzrle(): void {
    const x = this.xbzrle;
    if (x === null || !this.xbzrleStarted) return;
    const h = this.xbzrleHitRate;
    for (let c = 0; c < this.k; c++) {
      if (this.zero[c] === 1) continue;
      const s = this.size[c]!;
      const seen = this.xbzrleSeen[c]!;
      // (a round that ends a chunk leaves seen = s up to rounding)
      const cold = this.dirtying[c] === Dirtying.Uniform ? Math.max(0, 1 - seen / s) : seen < s * (1 - 1e-12) ? 1 : 0;
      this.xbzrleCold[c] = cold;
      const warmHit = (1 - cold) * h;
      this.wirePerByte[c] = ((1 - warmHit) * this.fullWire + warmHit * x.hitWire) / this.pageBytes;
      this.acctPerByte[c] = ((1 - warmHit) * this.fullAccounted + warmHit * x.hitWire) / this.pageBytes;
    }
  }

  markAll(): void {
    for (let c = 0; c < this.k; c++) {
      this.ahead[c] = this.size[c]!;
      this.behind[c] = 0;
      this.exposure[c] = 0;
      this.knownLogged[c] = 0;
      this.prevArc[c] = 0;
      this.arcShare[c] = 0;
    }
    this.aheadSpan = this.ramBytes;
  }

  markEvery(): number {
    const n = this.ramBytes;
    const a = this.aheadSpan;
    let added = 0;
    for (let c = 0; c < this.k; c++) {
      const s = this.size[c]!;
      const ahead = (s * a) / n;
      added += Math.max(0, ahead - this.ahead[c]!) + Math.max(0, s - ahead - this.behind[c]!);
      this.ahead[c] = ahead;
      this.behind[c] = s - ahead;
      this.exposure[c] = 0;
      this.knownLogged[c] = 0;
      this.prevArc[c] = 0;
      this.arcShare[c] = 0;
    }
    return added;
  }

  expose(dtS: number, factor: number): void {
    if (dtS > 0) this.sinceSyncS += dtS;
    if (dtS <= 0 || factor <= 0) return;
    for (let c = 0; c < this.k; c++) this.exposure[c]! += this.rate[c]! * factor * dtS;
  }

  sync(): number {
    this.xbzrleLifetime();
    let added = 0;
    const n = this.ramBytes;
    const a = this.aheadSpan;
    for (let c = 0; c < this.k; c++) {
      const e = this.exposure[c]!;
      const known = this.knownLogged[c]!;
      this.knownLogged[c] = 0;
      if (e <= 0) continue;
      this.exposure[c] = 0;
      const s = this.size[c]!;
      // unmarked bytes of the class ahead of / behind the cursor (rounding can leave a hair below 0)
      const capAhead = Math.max(0, (s * a) / n - this.ahead[c]!);
      const capBehind = Math.max(0, (s * (n - a)) / n - this.behind[c]!);
      const cap = capAhead + capBehind;
      if (cap <= 0) continue;
      let frac: number;
      if (this.dirtying[c] === Dirtying.Uniform) frac = -Math.expm1(-e / s);
      else if (this.dirtying[c] === Dirtying.Linear) frac = e >= cap ? 1 : e / cap;
      else if (this.dirtying[c] === Dirtying.Cyclic) frac = e >= s ? 1 : e / s;
      else continue;
      // Marks known to be in the log (skipped pages) are not independent of it: of the log L = S q,
      // the part outside the marks is L - K - U q, with U = M - K the marks independent of the log.
      let add: number;
      if (known > 0) add = Math.max(0, Math.min(cap, s * frac - known - (s - cap - known) * frac));
      else if (this.dirtying[c] === Dirtying.Cyclic) add = this.cyclicAdd(c, s, cap, s * frac);
      else add = cap * frac;
      // keep the textbook case exact: right after a wrap every unmarked byte is ahead
      if (capBehind === 0) this.ahead[c]! += this.dirtying[c] === Dirtying.Linear ? Math.min(e, cap) : add;
      else {
        this.ahead[c]! += (capAhead / cap) * add;
        this.behind[c]! += (capBehind / cap) * add;
      }
      added += add;
    }
    return added;
  }

  /**
   * A cyclic writer's new arc of L bytes continues where its previous arc
   * (P bytes, written before the last sync) ended, so it misses the pages of
   * that arc until it wraps round the working set: it meets marked pages at
   * the rate of the marks outside the previous arc. The cursor sends marks
   * evenly (the classes are scattered), so the previous arc keeps its share
   * of the marks between syncs. A working set in one block
   * (`layout: contiguous`) is sent in address order instead: the marks
   * outside the previous arc are the pages written before it and not sent
   * yet, lying just behind it, so the new arc meets them only after the
   * unmarked stretch ahead of it (at a dirty rate equal to the link's the
   * pending set then keeps its size, as in QEMU and page fidelity).
   */
  private cyclicAdd(c: number, s: number, cap: number, arc: number): number {
    const marked = s - cap;
    const p = this.prevArc[c]!;
    const inArc = this.arcShare[c]! * marked;
    const outside = marked - inArc;
    let add: number;
    if (arc >= s) add = cap;
    else if (this.contiguous) {
      // one block sent in address order: the marks outside the previous arc are the pages written before it
      // and not sent yet, just behind it, so the new arc first runs over the unmarked stretch ahead of it
      const free = Math.max(0, s - p - outside);
      add = arc <= free ? arc : arc <= free + outside ? free : free + (arc - free - outside) * (1 - (p > 0 ? inArc / p : 0));
    } else if (arc + p <= s) add = arc * (1 - outside / (s - p));
    else add = s - p - outside + (arc + p - s) * (1 - (p > 0 ? inArc / p : 0));
    add = Math.max(0, Math.min(cap, add));
    this.prevArc[c] = arc;
    this.arcShare[c] = marked + add > 0 ? Math.min(1, arc / (marked + add)) : 0;
    return add;
  }

  loggedBytes(): number {
    let l = 0;
    for (let c = 0; c < this.k; c++) {
      const e = this.exposure[c]!;
      if (e <= 0) continue;
      const s = this.size[c]!;
      if (this.dirtying[c] === Dirtying.Uniform) l -= s * Math.expm1(-e / s);
      else if (this.dirtying[c] !== Dirtying.None) l += e < s ? e : s;
    }
    return l;
  }

  pendingBytes(): number {
    let p = 0;
    for (let c = 0; c < this.k; c++) p += this.ahead[c]! + this.behind[c]!;
    return p;
  }

  aheadWireBytes(): number {
    let w = 0;
    for (let c = 0; c < this.k; c++) w += this.ahead[c]! * this.wirePerByte[c]!;
    return w;
  }

  pendingWireBytes(): number {
    let w = 0;
    for (let c = 0; c < this.k; c++) w += (this.ahead[c]! + this.behind[c]!) * this.wirePerByte[c]!;
    return w;
  }

  aheadAccountedBytes(): number {
    let a = 0;
    for (let c = 0; c < this.k; c++) a += this.ahead[c]! * this.acctPerByte[c]!;
    return a;
  }

  pendingAccountedBytes(): number {
    let a = 0;
    for (let c = 0; c < this.k; c++) a += (this.ahead[c]! + this.behind[c]!) * this.acctPerByte[c]!;
    return a;
  }

  pendingCpuBytes(): number {
    let w = 0;
    for (let c = 0; c < this.k; c++) w += (this.ahead[c]! + this.behind[c]!) * this.cpuPerByte[c]!;
    return w;
  }

  /** Count `bytes` of class c as sent pages (expected, so fractional). */
  private countSent(c: number, bytes: number, coldShare = this.xbzrleCold[c]!): void {
    const pages = bytes / this.pageBytes;
    if (this.zero[c] === 1) this.sentZeroPages += pages;
    else {
      this.sentNormalPages += pages;
      if (this.xbzrleStarted && this.xbzrle !== null) {
        const cold = pages * coldShare;
        const hits = (pages - cold) * this.xbzrleHitRate;
        this.xbzrleLookups += pages;
        this.xbzrleHits += hits;
        if (this.xbzrle.hitOverflows) this.xbzrleOverflows += hits;
        this.xbzrleSeen[c]! += cold * this.pageBytes;
      }
    }
  }

  private behindBytes(): number {
    let b = 0;
    for (let c = 0; c < this.k; c++) b += this.behind[c]!;
    return b;
  }

  sendWire(budget: number): number {
    let sent = 0;
    // At most two wraps can happen in one call with a positive budget left:
    // after a wrap everything marked is ahead, and the loop ends when it is all sent.
    for (;;) {
      this.refreshXbzrle();
      const aw = this.aheadWireBytes();
      const left = budget - sent;
      if (aw <= left) {
        if (aw === 0 && this.behindBytes() === 0) {
          // Nothing marked anywhere: the cursor stays; a pass completes only by sending.
          break;
        }
        let acct = 0;
        for (let c = 0; c < this.k; c++) {
          acct += this.ahead[c]! * this.acctPerByte[c]!;
          this.countSent(c, this.ahead[c]!);
          this.ahead[c] = 0;
        }
        sent += aw;
        this.sentAccounted += acct;
        this.aheadSpan = 0;
        this.wrap();
        if (aw === 0 && left <= 0) break;
      } else {
        // a cyclic or linear class still in its first XBZRLE round misses until it has all been seen once: stop the
        // chunk where that ends, so that the rest goes at the warm cost (the next turn of the loop)
        const firstRound = this.firstRoundShare();
        const f = Math.min(left / aw, firstRound);
        if (firstRound < left / aw) {
          const send = aw * f;
          let acct = 0;
          for (let c = 0; c < this.k; c++) {
            acct += this.ahead[c]! * f * this.acctPerByte[c]!;
            this.countSent(c, this.ahead[c]! * f);
            this.ahead[c]! *= 1 - f;
          }
          this.aheadSpan *= 1 - f;
          this.sentAccounted += acct;
          sent += send;
          continue;
        }
        const keep = 1 - f;
        let acct = 0;
        for (let c = 0; c < this.k; c++) {
          acct += this.ahead[c]! * f * this.acctPerByte[c]!;
          this.countSent(c, this.ahead[c]! * f);
          this.ahead[c]! *= keep;
        }
        this.aheadSpan *= keep;
        this.sentAccounted += acct;
        sent = budget;
        break;
      }
    }
    this.sentWire += sent;
    return sent;
  }

  /**
   * Bytes of class c's marks that miss in the stop-and-copy for being looked up
   * the first time: a cyclic or linear class in its first XBZRLE round has
   * its unseen pages ahead of the cursor (Infinity otherwise: the class's own
   * cold share applies).
   */
  private firstRoundColdBytes(c: number): number {
    if (this.xbzrle === null || !this.xbzrleStarted || this.xbzrleCold[c] !== 1 || this.dirtying[c] === Dirtying.Uniform || this.zero[c] === 1) return Infinity;
    return Math.min(this.ahead[c]!, this.size[c]! - this.xbzrleSeen[c]!);
  }

  /**
   * The share of the marks ahead of the cursor that can go before a cyclic or
   * linear class's first XBZRLE round ends (its unseen bytes over its marks
   * ahead; 1 when none is in one). Uniform classes leave it gradually.
   */
  private firstRoundShare(): number {
    let share = 1;
    if (this.xbzrle === null || !this.xbzrleStarted) return share;
    for (let c = 0; c < this.k; c++) {
      if (this.xbzrleCold[c] !== 1 || this.dirtying[c] === Dirtying.Uniform || this.zero[c] === 1) continue;
      const unseen = this.size[c]! - this.xbzrleSeen[c]!;
      const a = this.ahead[c]!;
      if (a > unseen && unseen / a < share) share = unseen / a;
    }
    return share;
  }

  /** The cursor passed the end of RAM: one full pass done, everything marked is now ahead. */
  private wrap(): void {
    this.wraps++;
    if (this.xbzrle !== null) this.xbzrleStarted = true;
    for (let c = 0; c < this.k; c++) {
      this.ahead[c]! += this.behind[c]!;
      this.behind[c] = 0;
    }
    this.aheadSpan = this.ramBytes;
  }

  /** The share of a class's pages in the log (independent of which are marked, except for linear writes, which avoid marked pages). */
  private loggedShare(c: number): number {
    const e = this.exposure[c]!;
    if (e <= 0) return 0;
    const d = this.dirtying[c];
    if (d === Dirtying.Uniform) return -Math.expm1(-e / this.size[c]!);
    if (d === Dirtying.Cyclic) return e >= this.size[c]! ? 1 : e / this.size[c]!;
    return 0;
  }

  aheadSpanBytes(): number {
    return this.aheadSpan;
  }

  sendAheadChunk(spanBytes: number, skipLogged: boolean): number {
    const last = spanBytes >= this.aheadSpan;
    const f = last ? 1 : spanBytes / this.aheadSpan;
    let wire = 0;
    let acct = 0;
    for (let c = 0; c < this.k; c++) {
      const m = this.ahead[c]! * f;
      // a marked page is in the log with the probability that a random write hit it since the sync
      const q = skipLogged ? this.loggedShare(c) : 0;
      const sent = m * (1 - q);
      const skipped = m - sent;
      wire += sent * this.wirePerByte[c]!;
      acct += sent * this.acctPerByte[c]!;
      this.countSent(c, sent);
      this.skippedBytes += skipped;
      this.knownLogged[c]! += skipped;
      this.ahead[c] = last ? 0 : this.ahead[c]! - m;
      this.behind[c]! += skipped;
    }
    this.sentWire += wire;
    this.sentAccounted += acct;
    if (last) {
      this.aheadSpan = 0;
      this.wrap();
    } else this.aheadSpan -= spanBytes;
    return wire;
  }

  sendAll(): number {
    this.refreshXbzrle();
    let w = 0;
    let acct = 0;
    for (let c = 0; c < this.k; c++) {
      const m = this.ahead[c]! + this.behind[c]!;
      const cold = this.firstRoundColdBytes(c);
      if (cold < m) {
        // a cyclic or linear class in its first XBZRLE round: the marks behind the cursor were looked up in this
        // round already, so only the unseen ones ahead of it miss for want of a copy
        const x = this.xbzrle as XbzrleCosts;
        const h = this.xbzrleHitRate;
        w += cold * (this.fullWire / this.pageBytes) + (m - cold) * (((1 - h) * this.fullWire + h * x.hitWire) / this.pageBytes);
        acct += cold * (this.fullAccounted / this.pageBytes) + (m - cold) * (((1 - h) * this.fullAccounted + h * x.hitWire) / this.pageBytes);
        this.countSent(c, m, m > 0 ? cold / m : 0);
      } else {
        w += m * this.wirePerByte[c]!;
        acct += m * this.acctPerByte[c]!;
        this.countSent(c, m);
      }
      this.ahead[c] = 0;
      this.behind[c] = 0;
    }
    this.sentWire += w;
    this.sentAccounted += acct;
    return w;
  }

  pendingBytesOf(c: number): number {
    return this.ahead[c]! + this.behind[c]!;
  }

  writeRate(factor: number): number {
    let r = 0;
    for (let c = 0; c < this.k; c++) r += this.rate[c]!;
    return r * factor;
  }
}
