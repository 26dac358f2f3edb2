/**
 * What multifd writes for the pages it sends (QEMU migration/multifd.h
 * MultiFDPacket_t and MULTIFD_PACKET_SIZE; migration/multifd.c
 * multifd_send_setup, multifd_send_thread; read at qemu/qemu master of
 * 2025, QEMU 9.2-10.x; docs/wire.md#multifd).
 *
 * Every packet a channel sends starts with a header of fixed length,
 * `packet_len = sizeof(MultiFDPacket_t) + 8 x page_count`: the struct and
 * the offset array sized for a whole packet, whether or not every slot is
 * used. page_count = MULTIFD_PACKET_SIZE (512 KiB) / page size: 128 pages
 * of 4 KiB. Normal pages follow as 4096-byte payloads (or compressed,
 * docs/wire.md#compression); zero pages are only listed in the offset array
 * (zero-page-detection `multifd`, the default since QEMU 9.0). The channels
 * count `packet_len + next_packet_size` into `multifd-bytes`, which
 * `transferred` includes.
 */

/** MULTIFD_PACKET_SIZE: the payload of a full packet of pages. */
export const MULTIFD_PACKET_PAYLOAD_BYTES = 512 * 1024;

/**
 * sizeof(MultiFDPacket_t), packed: magic, version, flags (MultiFDPacketHdr_t,
 * 12) + pages_alloc, normal_pages, next_packet_size (12) + packet_num (8) +
 * zero_pages, unused32[1] (8) + unused64[3] (24) + ramblock[256].
 */
export const MULTIFD_PACKET_HEADER_BYTES = 12 + 12 + 8 + 8 + 24 + 256;

/** uint64_t offset[]: one per page slot of the packet. */
export const MULTIFD_OFFSET_BYTES = 8;

/** multifd-channels: QEMU's default when multifd is on (DEFAULT_MIGRATE_MULTIFD_CHANNELS). */
export const MULTIFD_DEFAULT_CHANNELS = 2;

/** multifd-channels is a uint8 in 1..255 (qapi/migration.json MigrationParameters, options.c migrate_params_check). */
export const MULTIFD_MAX_CHANNELS = 255;

/** Pages in a full packet: MULTIFD_PACKET_SIZE / page size (128 for 4 KiB pages). */
export function multifdPagesPerPacket(pageBytes: number): number {
  return Math.max(1, Math.floor(MULTIFD_PACKET_PAYLOAD_BYTES / pageBytes));
}

/** packet_len: the header each packet carries, offsets of every slot included (1344 bytes for 4 KiB pages). */
export function multifdPacketHeaderBytes(pageBytes: number): number {
  return MULTIFD_PACKET_HEADER_BYTES + MULTIFD_OFFSET_BYTES * multifdPagesPerPacket(pageBytes);
}

/**
 * The header's share of one page when packets are full (10.5 bytes for
 * 4 KiB pages): what a page costs beyond its payload, zero or not. The
 * model sends whole packets; the last, partly filled packet before each
 * sync (and the channels' sync packets) is left out (docs/wire.md#multifd).
 */
export function multifdHeaderPerPageBytes(pageBytes: number): number {
  return multifdPacketHeaderBytes(pageBytes) / multifdPagesPerPacket(pageBytes);
}

/**
 * What multifd counts, as `multifd-bytes`, `transferred` and against
 * max-bandwidth (docs/wire.md#which-qemu-counts-what):
 * - `sent` (QEMU 8.1 and later): what the channel wrote, after compressing.
 *   multifd_send_thread adds next_packet_size (+ packet_len since 8.2) once
 *   the write returns (commit cbec7eb768 "migration/multifd: Compute
 *   transferred bytes correctly", May 2023, QEMU 8.1), and the rate limit
 *   reads those counters (migration-stats.c migration_rate_exceeded,
 *   migration_transferred_bytes).
 * - `raw` (QEMU 8.0 and before): multifd_send_pages (migration/multifd.c,
 *   v7.2.0 and v8.0.0) adds `pages->num * page size + packet_len` to
 *   multifd_bytes and transferred, and charges it to the rate limit
 *   (qemu_file_acct_rate_limit), when it hands the packet to a channel,
 *   before the channel compresses. The link still carries what the channel
 *   writes.
 */
export const MULTIFD_ACCOUNTINGS = ['sent', 'raw'] as const;
export type MultifdAccounting = (typeof MULTIFD_ACCOUNTINGS)[number];

/**
 * Where zero pages are found with multifd on (QEMU's `zero-page-detection`
 * parameter, QEMU 9.0; docs/wire.md#which-qemu-counts-what):
 * - `multifd` (QEMU 9.0 and later, the default): in the channels, listed in
 *   the packet header only (commit 303e6f54f9 "migration/multifd: Implement
 *   zero page transmission on the multifd thread.", multifd-zero-page.c).
 * - `legacy` (QEMU before 9.0, or 9.0+ with zero-page-detection=legacy):
 *   on the main stream, ram_save_target_page calling save_zero_page before
 *   ram_save_multifd_page (migration/ram.c, v7.2.0): 9 bytes each, outside
 *   the channels and multifd-bytes.
 * QEMU's third value, `none` (no detection), is not modelled.
 */
export const ZERO_PAGE_DETECTIONS = ['multifd', 'legacy'] as const;
export type ZeroPageDetection = (typeof ZERO_PAGE_DETECTIONS)[number];

/**
 * The multifd parameters that reproduce what a QEMU release counts and where
 * it finds zero pages (the table in docs/wire.md#which-qemu-counts-what):
 * raw accounting up to 8.0, zero pages on the main stream before 9.0.
 */
export function multifdBehaviourOf(major: number, minor: number): { multifdAccounting: MultifdAccounting; zeroPageDetection: ZeroPageDetection } {
  const v = major * 1000 + minor;
  return { multifdAccounting: v < 8001 ? 'raw' : 'sent', zeroPageDetection: v < 9000 ? 'legacy' : 'multifd' };
}
