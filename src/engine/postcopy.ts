/**
 * The post-copy phase in closed form. After the switch the guest runs on the
 * destination; the pages still pending are pushed in the background at the
 * post-copy rate, and a guest write to a page not yet received is a remote
 * fault: the vCPU waits a round trip plus the page's transfer (QEMU has no
 * constant for this; docs/engine-model.md#post-copy models it as RTT + page time, and so
 * do we). Faults are counted from the workload's page writes (reads are not
 * modelled), with the writer blocked while it waits.
 *
 * The background sweep removes pending pages of every class in proportion,
 * so the pending share x of a class falls linearly from x0 to 0 over the
 * phase's T seconds. A writer doing w page writes/s that blocks l seconds per
 * fault faults at rate w x / (1 + w l x), which integrates to
 *   F = T (y - ln(1 + y)) / (x0 w l^2),  y = w l x0      (-> w x0 T / 2 as l -> 0).
 */
export interface PostcopyClass {
  sizeBytes: number;
  pendingBytes: number;
  writeBytesPerSec: number;
}

export interface PostcopyPhase {
  durationS: number;
  faults: number;
  blockedS: number;
}

/** y - ln(1 + y), accurate for small y too. */
function yMinusLog1p(y: number): number {
  if (y < 1e-4) return y * y * (0.5 - y * (1 / 3 - y * 0.25));
  return y - Math.log1p(y);
}

export function postcopyPhase(
  classes: readonly PostcopyClass[],
  pendingWireBytes: number,
  rateBytesPerSec: number,
  pageBytes: number,
  faultLatencyS: number,
  guestRuns: boolean,
): PostcopyPhase {
  const durationS = pendingWireBytes / rateBytesPerSec;
  let faults = 0;
  if (guestRuns && durationS > 0) {
    for (const c of classes) {
      if (c.writeBytesPerSec <= 0 || c.pendingBytes <= 0 || c.sizeBytes <= 0) continue;
      const x0 = Math.min(1, c.pendingBytes / c.sizeBytes);
      const w = c.writeBytesPerSec / pageBytes;
      const l = faultLatencyS;
      faults += l > 0 ? (durationS * yMinusLog1p(w * l * x0)) / (x0 * w * l * l) : (w * x0 * durationS) / 2;
    }
  }
  return { durationS, faults, blockedS: faults * faultLatencyS };
}
