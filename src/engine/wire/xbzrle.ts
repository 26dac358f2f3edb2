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
