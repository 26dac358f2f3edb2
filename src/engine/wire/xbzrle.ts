/**
 * XBZRLE on the single stream (QEMU migration/ram.c save_xbzrle_page,
 * migration/xbzrle.c, migration/page_cache.c; docs/wire.md#xbzrle).
 */

/** xbzrle-cache-size when the capability is on (options.c DEFAULT_MIGRATE_XBZRLE_CACHE_SIZE). */
export const XBZRLE_DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * workload.deltaBytes by default: an assumption (a write changes a few
 * cache lines to a few hundred bytes of a page); set it from your workload.
 */
export const DEFAULT_DELTA_BYTES = 512;

/** save_xbzrle_page: save_page_header (8) + ENCODING_FLAG_XBZRLE (1) + be16 encoded length (2). */
export const XBZRLE_HEADER_BYTES = 8 + 1 + 2;

/** page_cache.c CACHED_PAGE_LIFETIME: a cached page refreshed within this many syncs is not replaced. */
export const XBZRLE_CACHED_PAGE_LIFETIME = 2;

/** cache_init: the cache holds size / page size pages, rounded down to a power of two. */
export function xbzrleCachePages(cacheBytes: number, pageBytes: number): number {
  const pages = Math.floor(cacheBytes / pageBytes);
  return pages < 1 ? 0 : 2 ** Math.floor(Math.log2(pages));
}

/**
 * The share of look-ups of an already-seen page that hit, in steady state
 * (docs/wire.md#xbzrle): a page's slot is its page number modulo the cache
 * size, and one page per occupied slot owns it (the first one in, while it
 * is refreshed within CACHED_PAGE_LIFETIME syncs, or the last one in), so
 * the hit rate is the share of the written pages that own their slot.
 * - Scattered pages: W pages fall on N slots about Poisson(W / N) to a slot,
 *   and (1 - exp(-W/N)) / (W/N) of them own theirs.
 * - One block of W consecutive pages (`layout: contiguous`): they fill
 *   min(W, N) slots, each with floor or ceil(W / N) of them, so min(1, N/W)
 *   own theirs: a cache at least the block's size never shares a slot.
 */
export function xbzrleSteadyHitRate(workingSetPages: number, cachePages: number, contiguous = false): number {
  if (cachePages <= 0) return 0;
  const load = workingSetPages / cachePages;
  if (!(load > 0)) return 1;
  return contiguous ? Math.min(1, 1 / load) : -Math.expm1(-load) / load;
}

/**
 * The share of a slot's owners that are still its owner when they come back
 * (docs/wire.md#xbzrle), for W pages in one block sharing N slots, each
 * page coming back every `returnS` seconds and the bitmap synced every
 * `syncS`. A slot's W/N pages arrive in turn, returnS x N/W apart; the owner
 * is protected until the second sync after it was put in or hit
 * (CACHED_PAGE_LIFETIME), between syncS and 2 syncS later (uniformly: it
 * may come at any point of its interval); the first other page to arrive
 * after that replaces it. So it comes back the owner only when its
 * protection outlasts the last other page's arrival, returnS x (1 - N/W)
 * after it: probability 1 below syncS, falling linearly to 0 at 2 syncS.
 * A block no larger than the cache shares no slot: 1.
 */
export function xbzrleLifetimeShare(workingSetPages: number, cachePages: number, returnS: number, syncS: number): number {
  if (cachePages <= 0 || workingSetPages <= cachePages) return 1;
  const lastOther = returnS * (1 - cachePages / workingSetPages);
  // protected for XBZRLE_CACHED_PAGE_LIFETIME x syncS minus the part of its interval already gone
  return Math.min(1, Math.max(0, (XBZRLE_CACHED_PAGE_LIFETIME * syncS - lastOther) / syncS));
}
