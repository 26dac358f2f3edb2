/** Numbers in words for terminal summaries and messages (not for data files): sizes, rates and durations in the largest unit that fits. */
import { BYTE_LADDER, TIME_LADDER_MS } from './units.js';

/** KiB and up, largest first (bytes below 1 KiB are shown as they are). */
const BIN = BYTE_LADDER.slice(1).reverse();
/** s and up, largest first. */
const TIMES = TIME_LADDER_MS.slice(1).reverse();

function trim(n: number): string {
  return Number(n.toPrecision(4)).toString();
}

/** Human-readable size, binary units (for terminal summaries, not for data files). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  for (const [u, f] of BIN) if (Math.abs(bytes) >= f) return `${trim(bytes / f)} ${u}`;
  return `${trim(bytes)} B`;
}

export function formatRate(bytesPerSec: number): string {
  return `${formatBytes(bytesPerSec)}/s`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  for (const [u, f] of TIMES) if (Math.abs(ms) >= f) return `${trim(ms / f)} ${u}`;
  return `${trim(ms)} ms`;
}
