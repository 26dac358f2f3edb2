/**
 * Compression on multifd channels (QEMU migration/multifd-zlib.c,
 * multifd-zstd.c; levels in migration/options.c: DEFAULT_MIGRATE_MULTIFD_ZLIB_LEVEL 1,
 * DEFAULT_MIGRATE_MULTIFD_ZSTD_LEVEL 1; docs/wire.md#compression). Each channel
 * compresses the normal pages of a packet as one stream (zero pages are
 * detected first and not compressed); the payload is what the compressor
 * returns, so a page costs `compressibility x page size` of payload.
 */

/** multifd-compression values modelled (QEMU also has qpl, uadk and qatzip: hardware accelerators, not modelled). */
export const MULTIFD_COMPRESSIONS = ['none', 'zlib', 'zstd'] as const;
export type MultifdCompression = (typeof MULTIFD_COMPRESSIONS)[number];

/**
 * Raw bytes one channel compresses per second of its CPU at QEMU's default
 * level, measured here on the `mixed` sample (scripts/measure-compression.mjs,
 * 2026-12-01: zlib 1.3.1 96 MB/s, zstd 1.5.4 463 MB/s of CPU time; the
 * table, the machine and the command are in docs/wire.md#compression).
 */
export const COMPRESSION_BYTES_PER_SEC: Readonly<Record<Exclude<MultifdCompression, 'none'>, number>> = {
  zlib: 96e6,
  zstd: 463e6,
};

/**
 * workload.compressibility without a preset: the `mixed` sample of
 * scripts/measure-compression.mjs (JavaScript text, executable code and
 * incompressible data in equal parts) compresses to 0.56 with both zlib-1
 * and zstd-1 (docs/wire.md#compression). An assumption for a guest whose
 * contents nobody measured.
 */
export const DEFAULT_COMPRESSIBILITY = 0.56;
