import { Dirtying, type MemoryModel, type PageClass, type PageCosts, type XbzrleCosts } from './model.js';
import { XBZRLE_CACHED_PAGE_LIFETIME } from '../wire/xbzrle.js';
import type { Random } from '../random.js';

/**
 * Page-level dirty state: a migration bitmap, a dirty log and a send cursor
 * over individual pages, with seeded random writes. It exists to check the
 * fluid model (means over replicates must agree) and is slower by design.
 *
 * Uniform writes are a Poisson process over the class's pages, so each page
 * is written during an exposure E with probability 1 - exp(-E/S),
 * independently of the others; the log is drawn page by page with geometric
 * skips, at a cost proportional to the pages written. Pages of each class are
 * scattered over the address space by a seeded shuffle.
 */
export class PageMemory implements MemoryModel {
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

  private readonly nPages: number;
  private readonly rng: Random;
  private readonly marked: Uint8Array;
  private readonly logged: Uint8Array;
  private readonly isZero: Uint8Array;
  /** page indices of each class */
  private readonly members: Int32Array[];
  private readonly classSize: Float64Array;
  private readonly rate: Float64Array;
  private readonly dirtying: Uint8Array;
  private readonly exposure: Float64Array;
  /** linear writes: fraction of a page carried to the next realisation */
  private readonly carry: Float64Array;
  /** cyclic writes: where in the class's page list the writer is (-1: not started) */
  private readonly cyclePos: Float64Array;
  /** pages in the log, in the order they were first written */
  private readonly logList: Int32Array;
  private loggedCount = 0;
  private cursor = 0;
  private aheadNormal = 0;
  private aheadZero = 0;
  private behindNormal = 0;
  private behindZero = 0;
  private credit = 0;
  private costs: PageCosts;

  // ---- XBZRLE (docs/wire.md#xbzrle): QEMU's cache, page_cache.c ----
  private xbzrle: XbzrleCosts | null = null;
  /** from the end of the first full pass (ram.c find_dirty_block: xbzrle_started) */
  private xbzrleStarted = false;
  /** per slot (page number & (slots - 1), cache_get_cache_pos): the page it holds (-1: none) and its age */
  private slotPage = new Int32Array(0);
  private slotAge = new Float64Array(0);
  /** dirty-bitmap syncs so far (dirty_sync_count, the cache's `current_age`) */
  private generation = 0;

  /**
   * `contiguous`: each class occupies one range of addresses, in the order
   * given (a real guest's working set is usually one block); otherwise the
   * classes are scattered page by page, as the fluid model assumes.
   */
  constructor(ramBytes: number, pageBytes: number, classes: readonly PageClass[], rng: Random, contiguous = false) {
    this.ramBytes = ramBytes;
    this.pageBytes = pageBytes;
    this.rng = rng;
    this.classes = classes;
    const n = Math.floor(ramBytes / pageBytes);
    this.nPages = n;
    this.marked = new Uint8Array(n);
    this.logged = new Uint8Array(n);
    this.isZero = new Uint8Array(n);
    this.logList = new Int32Array(n);
    const k = classes.length;
    this.classSize = new Float64Array(k);
    this.rate = new Float64Array(k);
    this.dirtying = new Uint8Array(k);
    this.exposure = new Float64Array(k);
    this.carry = new Float64Array(k);
    this.cyclePos = new Float64Array(k).fill(-1);
    this.costs = { normalWire: pageBytes, zeroWire: pageBytes, normalAccounted: pageBytes, zeroAccounted: pageBytes };

    // Scatter the classes over the address space: a seeded permutation of page indices.
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = n - 1; i > 0 && !contiguous; i--) {
      const j = rng.int(i + 1);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    this.members = [];
    let at = 0;
    for (const [c, cl] of classes.entries()) {
      const count = c === k - 1 ? n - at : Math.min(n - at, Math.round(cl.sizeBytes / pageBytes));
      const list = perm.slice(at, at + count).sort();
      at += count;
      this.members.push(list);
      this.classSize[c] = count;
      this.rate[c] = cl.writeBytesPerSec / pageBytes;
      this.dirtying[c] = cl.dirtying;
      if (cl.zero) for (let i = 0; i < count; i++) this.isZero[list[i]!] = 1;
    }
  }

  setCosts(costs: PageCosts): void {
    this.costs = costs;
    this.xbzrle = costs.xbzrle ?? null;
    if (this.xbzrle !== null && this.slotPage.length !== this.xbzrle.cachePages) {
      this.slotPage = new Int32Array(this.xbzrle.cachePages).fill(-1);
      this.slotAge = new Float64Array(this.xbzrle.cachePages);
    }
  }

  /** What sending normal page i costs now: a full page, or XBZRLE's hit cost when its slot holds it (cache_is_cached). */
  private normalCost(i: number): number {
    const x = this.xbzrle;
    if (x === null || !this.xbzrleStarted) return this.costs.normalWire;
    return this.slotPage[i & (x.cachePages - 1)] === i ? x.hitWire : this.costs.normalWire;
  }

  /**
   * Normal page i was sent through XBZRLE (ram.c save_xbzrle_page): a hit
   * refreshes the slot's age; a miss inserts the page unless the slot holds
   * another page refreshed within CACHED_PAGE_LIFETIME syncs (cache_insert),
   * and not at all in the last stage.
   */
  private xbzrleSent(i: number, lastStage: boolean): void {
    const x = this.xbzrle;
    if (x === null || !this.xbzrleStarted) return;
    const slot = i & (x.cachePages - 1);
    this.xbzrleLookups++;
    if (this.slotPage[slot] === i) {
      this.xbzrleHits++;
      if (x.hitOverflows) this.xbzrleOverflows++;
      this.slotAge[slot] = this.generation;
    } else if (!lastStage && (this.slotPage[slot]! < 0 || this.slotAge[slot]! + XBZRLE_CACHED_PAGE_LIFETIME <= this.generation)) {
      this.slotPage[slot] = i;
      this.slotAge[slot] = this.generation;
    }
  }

  markAll(): void {
    this.marked.fill(1);
    this.logged.fill(0);
    this.loggedCount = 0;
    this.exposure.fill(0);
    this.cursor = 0;
    let zeros = 0;
    for (let i = 0; i < this.nPages; i++) zeros += this.isZero[i]!;
    this.aheadZero = zeros;
    this.aheadNormal = this.nPages - zeros;
    this.behindNormal = 0;
    this.behindZero = 0;
  }

  expose(dtS: number, factor: number): void {
    if (dtS <= 0 || factor <= 0) return;
    // exposure in page writes
    for (let c = 0; c < this.exposure.length; c++) this.exposure[c]! += this.rate[c]! * factor * dtS;
  }

  /** Draw the writes of the exposure so far into the log. */
  private realise(): void {
    for (let c = 0; c < this.exposure.length; c++) {
      const e = this.exposure[c]!;
      if (e <= 0) continue;
      this.exposure[c] = 0;
      const list = this.members[c]!;
      const size = list.length;
      if (size === 0) continue;
      if (this.dirtying[c] === Dirtying.Uniform) this.realiseUniform(list, -Math.expm1(-e / size));
      else if (this.dirtying[c] === Dirtying.Linear) this.realiseLinear(c, list, e);
      else if (this.dirtying[c] === Dirtying.Cyclic) this.realiseCyclic(c, list, e);
    }
  }

  private realiseUniform(list: Int32Array, p: number): void {
    if (p >= 1) {
      for (let i = 0; i < list.length; i++) this.log(list[i]!);
      return;
    }
    // geometric skips: the gap to the next written page is Geometric(p)
    const lq = Math.log1p(-p);
    let i = -1;
    for (;;) {
      const u = this.rng.next();
      i += 1 + Math.floor(Math.log1p(-u) / lq);
      if (i >= list.length || !Number.isFinite(i)) break;
      this.log(list[i]!);
    }
  }

  private realiseLinear(c: number, list: Int32Array, writes: number): void {
    const total = writes + this.carry[c]!;
    let want = Math.floor(total);
    this.carry[c] = total - want;
    // candidates: pages neither pending nor already logged
    const free: number[] = [];
    for (let i = 0; i < list.length; i++) if (this.marked[list[i]!] === 0 && this.logged[list[i]!] === 0) free.push(list[i]!);
    if (want >= free.length) {
      for (const p of free) this.log(p);
      this.carry[c] = 0;
      return;
    }
    // partial Fisher-Yates: `want` distinct pages at random
    for (let j = 0; j < want; j++) {
      const r = j + this.rng.int(free.length - j);
      const pick = free[r]!;
      free[r] = free[j]!;
      free[j] = pick;
      this.log(pick);
    }
    want = 0;
  }

  /** The next `writes` pages of the cycle, from where the writer is (a random phase at the start). */
  private realiseCyclic(c: number, list: Int32Array, writes: number): void {
    const total = writes + this.carry[c]!;
    const n = Math.floor(total);
    this.carry[c] = total - n;
    let at = this.cyclePos[c]!;
    if (at < 0) at = this.rng.int(list.length);
    const count = Math.min(n, list.length);
    for (let j = 0; j < count; j++) this.log(list[(at + j) % list.length]!);
    this.cyclePos[c] = (at + n) % list.length;
  }

  private log(page: number): void {
    if (this.logged[page] === 0) {
      this.logged[page] = 1;
      this.logList[this.loggedCount++] = page;
    }
  }

  sync(): number {
    this.generation++;
    this.realise();
    let added = 0;
    for (let j = 0; j < this.loggedCount; j++) {
      const i = this.logList[j]!;
      this.logged[i] = 0;
      if (this.marked[i] === 1) continue;
      this.marked[i] = 1;
      added++;
      if (i >= this.cursor) this.aheadNormal++;
      else this.behindNormal++;
    }
    this.loggedCount = 0;
    return added * this.pageBytes;
  }

  markEvery(): number {
    this.generation++;
    this.realise();
    for (let j = 0; j < this.loggedCount; j++) this.logged[this.logList[j]!] = 0;
    this.loggedCount = 0;
    let added = 0;
    for (let i = 0; i < this.nPages; i++) {
      if (this.marked[i] === 1) continue;
      this.marked[i] = 1;
      added++;
      const zero = this.isZero[i] === 1;
      if (i >= this.cursor) {
        if (zero) this.aheadZero++;
        else this.aheadNormal++;
      } else if (zero) this.behindZero++;
      else this.behindNormal++;
    }
    return added * this.pageBytes;
  }

  loggedBytes(): number {
    this.realise();
    return this.loggedCount * this.pageBytes;
  }

  pendingBytes(): number {
    return (this.aheadNormal + this.aheadZero + this.behindNormal + this.behindZero) * this.pageBytes;
  }

  aheadWireBytes(): number {
    return this.aheadNormal * this.costs.normalWire + this.aheadZero * this.costs.zeroWire;
  }

  pendingWireBytes(): number {
    if (this.xbzrle !== null && this.xbzrleStarted) {
      let w = 0;
      for (let i = 0; i < this.nPages; i++) if (this.marked[i] === 1) w += this.isZero[i] === 1 ? this.costs.zeroWire : this.normalCost(i);
      return w;
    }
    return (this.aheadNormal + this.behindNormal) * this.costs.normalWire + (this.aheadZero + this.behindZero) * this.costs.zeroWire;
  }

  aheadAccountedBytes(): number {
    return this.aheadNormal * this.costs.normalAccounted + this.aheadZero * this.costs.zeroAccounted;
  }

  pendingAccountedBytes(): number {
    if (this.xbzrle !== null && this.xbzrleStarted) return this.pendingWireBytes(); // an XBZRLE page counts as what it sends
    return (this.aheadNormal + this.behindNormal) * this.costs.normalAccounted + (this.aheadZero + this.behindZero) * this.costs.zeroAccounted;
  }

  pendingCpuBytes(): number {
    return (this.aheadNormal + this.behindNormal) * (this.costs.normalCpu ?? 0) + (this.aheadZero + this.behindZero) * (this.costs.zeroCpu ?? 0);
  }

  sendWire(budget: number): number {
    this.credit += budget;
    let sent = 0;
    for (;;) {
      if (this.aheadNormal + this.aheadZero === 0) {
        if (this.behindNormal + this.behindZero === 0) {
          this.credit = 0; // nothing to send: an idle sender does not bank bandwidth
          break;
        }
        this.wrap();
      }
      // next marked page at or after the cursor
      let i = this.cursor;
      while (this.marked[i] === 0) i++;
      const zero = this.isZero[i] === 1;
      const cost = zero ? this.costs.zeroWire : this.normalCost(i);
      if (cost > this.credit + 1e-9) break;
      this.credit -= cost;
      sent += cost;
      this.takeAhead(i, zero, cost);
      this.cursor = i + 1;
      if (this.aheadNormal + this.aheadZero === 0) this.wrap();
    }
    this.sentWire += sent;
    return sent;
  }

  /** Page i (ahead of the cursor) is sent at `wire` bytes: unmarked, counted (an XBZRLE page as its bytes, as the qemu base counts all it writes). */
  private takeAhead(i: number, zero: boolean, wire: number): void {
    this.marked[i] = 0;
    this.sentAccounted += zero ? this.costs.zeroAccounted : wire === this.costs.normalWire ? this.costs.normalAccounted : wire;
    if (!zero) this.xbzrleSent(i, false);
    if (zero) {
      this.aheadZero--;
      this.sentZeroPages++;
    } else {
      this.aheadNormal--;
      this.sentNormalPages++;
    }
  }

  private wrap(): void {
    this.wraps++;
    if (this.xbzrle !== null) this.xbzrleStarted = true;
    this.cursor = 0;
    this.aheadNormal += this.behindNormal;
    this.aheadZero += this.behindZero;
    this.behindNormal = 0;
    this.behindZero = 0;
  }

  aheadSpanBytes(): number {
    return (this.nPages - this.cursor) * this.pageBytes;
  }

  sendAheadChunk(spanBytes: number, skipLogged: boolean): number {
    if (skipLogged) this.realise(); // the log as Xen's peek sees it now
    const end = Math.min(this.nPages, this.cursor + Math.max(1, Math.round(spanBytes / this.pageBytes)));
    let wire = 0;
    for (let i = this.cursor; i < end; i++) {
      if (this.marked[i] === 0) continue;
      const zero = this.isZero[i] === 1;
      if (skipLogged && this.logged[i] === 1) {
        // skipped: stays marked, now behind the cursor
        this.skippedBytes += this.pageBytes;
        if (zero) {
          this.aheadZero--;
          this.behindZero++;
        } else {
          this.aheadNormal--;
          this.behindNormal++;
        }
        continue;
      }
      wire += zero ? this.costs.zeroWire : this.costs.normalWire;
      this.takeAhead(i, zero, zero ? this.costs.zeroWire : this.costs.normalWire);
    }
    this.cursor = end;
    this.sentWire += wire;
    if (end >= this.nPages) this.wrap();
    return wire;
  }

  sendAll(): number {
    const w = this.pendingWireBytes();
    for (let i = 0; i < this.nPages; i++) {
      if (this.marked[i] === 0) continue;
      this.marked[i] = 0;
      const zero = this.isZero[i] === 1;
      const wire = zero ? this.costs.zeroWire : this.normalCost(i);
      this.sentAccounted += zero ? this.costs.zeroAccounted : wire === this.costs.normalWire ? this.costs.normalAccounted : wire;
      if (zero) this.sentZeroPages++;
      else {
        this.sentNormalPages++;
        this.xbzrleSent(i, true);
      }
    }
    this.aheadNormal = this.aheadZero = this.behindNormal = this.behindZero = 0;
    this.credit = 0;
    this.sentWire += w;
    return w;
  }

  pendingBytesOf(c: number): number {
    const list = this.members[c];
    if (list === undefined) throw new RangeError(`no page class ${c} (the memory has ${this.members.length})`);
    let n = 0;
    for (let i = 0; i < list.length; i++) n += this.marked[list[i]!]!;
    return n * this.pageBytes;
  }

  writeRate(factor: number): number {
    let r = 0;
    for (let c = 0; c < this.rate.length; c++) r += this.rate[c]!;
    return r * factor * this.pageBytes;
  }
}
