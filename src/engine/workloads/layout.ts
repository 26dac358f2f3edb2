import { Dirtying, type PageClass } from '../memory/model.js';
import type { Scenario } from '../types.js';

/**
 * Zero pages are never written (a written page holds data); the working set
 * lies in the rest of RAM. Without an explicit working set it is all of that
 * rest. If a given working set overlaps the zero share, the overlap counts as
 * working set (its pages hold data once written).
 */
export function workingSetBytes(s: Scenario): number {
  const ram = s.vm.ram;
  const share = s.workload.workingSetShare;
  if (s.workload.workingSet === null && share != null) return Math.max(s.vm.pageSize, Math.floor((share * ram) / s.vm.pageSize) * s.vm.pageSize);
  return s.workload.workingSet ?? ram - zeroBytesRequested(s);
}

function zeroBytesRequested(s: Scenario): number {
  return s.vm.zeroShare * s.vm.ram;
}

/** The page classes of a scenario: the written ones given, then idle data and zero pages. */
export function layout(s: Scenario, written: PageClass[]): PageClass[] {
  const ram = s.vm.ram;
  const ws = written.reduce((a, c) => a + c.sizeBytes, 0);
  const zero = Math.min(zeroBytesRequested(s), Math.max(0, ram - ws));
  const idle = Math.max(0, ram - ws - zero);
  const out = written.filter((c) => c.sizeBytes > 0);
  if (idle > 0) out.push({ name: 'idle', sizeBytes: idle, writeBytesPerSec: 0, dirtying: Dirtying.None, zero: false });
  if (zero > 0) out.push({ name: 'zero', sizeBytes: zero, writeBytesPerSec: 0, dirtying: Dirtying.None, zero: true });
  return out;
}
