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
