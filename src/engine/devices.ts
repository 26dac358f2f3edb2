import type { VfioDevice } from './types.js';

/**
 * hw/vfio/migration.c VFIO_MIG_DEFAULT_DATA_BUFFER_SIZE: what one
 * vfio_save_iterate call reads from a device and puts in the stream.
 */
export const VFIO_BUFFER_BYTES = 1024 * 1024;

/**
 * The VFIO devices of one migration (docs/wire.md#device-state): their
 * initial pre-copy data, sent device after device in the order listed (the
 * order QEMU registered their handlers), the data that moves with the guest
 * stopped, and when the destination's switchover-ack arrives.
 *
 * QEMU (hw/vfio/migration.c, commit 019d9e6cc4): vfio_state_pending_estimate
 * counts the pre-copy data still to send; vfio_state_pending_exact adds the
 * stop-copy size the device reports; vfio_save_complete_precopy reads
 * everything the device still holds once it is stopped, pre-copy data not
 * yet sent included. With switchover-ack, a device that supports pre-copy
 * sends VFIO_MIG_FLAG_DEV_INIT_DATA_SENT after its initial data; the
 * destination loads that data and, once every such device has, sends
 * MIG_RP_MSG_SWITCHOVER_ACK on the return path (qemu_loadvm_approve_switchover).
 * A destination with no such device acknowledges at once.
 */
export class DeviceTransfer {
  /** total stop-copy bytes of the devices */
  readonly stopCopyBytes: number;
  /** some device tracks no DMA writes: every sync marks all guest RAM dirty (vfio_container_query_dirty_bitmap) */
  readonly allRamDirty: boolean;
  private readonly left: Float64Array;
  private readonly loadS: Float64Array;
  private readonly latencyS: number;
  private leftTotal = 0;
  /** the device whose initial data goes next */
  private next = 0;
  /** devices whose initial data the destination has not loaded yet */
  private waiting = 0;
  /** when the last of them is loaded */
  private loadedS = 0;
  /** when the source holds the destination's ack (Infinity: not yet known) */
  private ackS = Infinity;

  constructor(devices: readonly VfioDevice[], latencyS: number) {
    const n = devices.length;
    this.left = new Float64Array(n);
    this.loadS = new Float64Array(n);
    this.latencyS = latencyS;
    let stop = 0;
    let untracked = false;
    for (let i = 0; i < n; i++) {
      const d = devices[i]!;
      this.left[i] = d.precopyBytes;
      this.loadS[i] = d.loadTime;
      this.leftTotal += d.precopyBytes;
      stop += d.stopCopyBytes;
      if (!d.dirtyTracking) untracked = true;
      if (d.precopyBytes > 0) this.waiting++;
    }
    this.stopCopyBytes = stop;
    this.allRamDirty = untracked;
    // no device needs the ack: the destination sends it when it sets up (there and back)
    if (this.waiting === 0) this.ackS = 2 * latencyS;
    this.skipEmpty();
  }

  /** initial pre-copy data not sent yet (what vfio_state_pending_estimate adds) */
  get precopyPendingBytes(): number {
    return this.leftTotal;
  }

  /** Whether the destination's switchover-ack has reached the source by `tS`. */
  acked(tS: number): boolean {
    return tS >= this.ackS;
  }

  /** When the ack reaches the source (Infinity while some device's initial data is still to send). */
  get ackAtS(): number {
    return this.ackS;
  }

  /**
   * Send up to `budget` bytes of initial data, the devices in turn; `endS`
   * is when these bytes have left the source (a device whose data ends in
   * this chunk reaches the destination a latency later, then loads).
   * Returns the bytes sent.
   */
  send(budget: number, endS: number): number {
    let sent = 0;
    while (this.next < this.left.length && sent < budget) {
      const i = this.next;
      const take = Math.min(this.left[i]!, budget - sent);
      this.left[i]! -= take;
      sent += take;
      if (this.left[i]! <= 0) this.deviceDone(i, endS);
    }
    this.leftTotal = Math.max(0, this.leftTotal - sent);
    return sent;
  }

  /** Everything the devices still hold, at the stop: pre-copy data not sent plus stop-copy data. */
  drain(): number {
    const bytes = this.leftTotal + this.stopCopyBytes;
    this.left.fill(0);
    this.leftTotal = 0;
    this.next = this.left.length;
    return bytes;
  }

  private deviceDone(i: number, endS: number): void {
    this.left[i] = 0;
    const loaded = endS + this.latencyS + this.loadS[i]!;
    if (loaded > this.loadedS) this.loadedS = loaded;
    this.waiting--;
    if (this.waiting === 0) this.ackS = this.loadedS + this.latencyS;
    this.next++;
    this.skipEmpty();
  }

  private skipEmpty(): void {
    while (this.next < this.left.length && this.left[this.next]! <= 0) this.next++;
  }
}
