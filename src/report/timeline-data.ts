/**
 * A single run's timeline (the engine's TimelinePoint list) made chartable:
 * thinned to what a chart can show, and its events (ends of passes, the
 * pause, the stop of the guest, the end) as marks with labels.
 */
import { itemAt } from '../common/lookup.js';
import type { RunResult, TimelinePoint } from '../engine/types.js';
import { formatMs } from '../common/format.js';

/** The points a chart draws: at most about 2 x buckets of them. */
export interface SeriesPoint {
  tMs: number;
  pendingBytes: number;
  transferredBytes: number;
  dirtyRateBytesPerSec: number;
  throttlePct: number;
  downtimeLimitMs: number;
}

export interface TimelineEvent {
  tMs: number;
  /** pass: a full pass over RAM ended; pause: the guest was paused; stop: the guest was stopped for the final copy; end: the migration ended */
  kind: 'pass' | 'pause' | 'stop' | 'end' | 'horizon' | 'abort';
  label: string;
}

export interface ChartableTimeline {
  series: SeriesPoint[];
  events: TimelineEvent[];
  /** when the guest stopped running (paused or stopped for the final copy) until the end; null if it never did */
  downtime: { fromMs: number; toMs: number } | null;
  endMs: number;
}

/**
 * Thin a timeline to about `buckets` time slices, keeping in each the points
 * with the least and the most pending bytes (so the saw-tooth of syncs and
 * sends keeps its envelope), every point where the dirty rate, throttle or
 * downtime limit changes, and the first and last points.
 */
export function thinTimeline(points: readonly TimelinePoint[], buckets = 600): TimelinePoint[] {
  if (points.length <= 2 * buckets) return [...points];
  const t0 = itemAt(points, 0).tMs;
  const span = itemAt(points, points.length - 1).tMs - t0 || 1;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  let bucket = -1;
  let lo = -1;
  let hi = -1;
  const flush = () => {
    if (lo >= 0) keep[lo] = 1;
    if (hi >= 0) keep[hi] = 1;
  };
  for (const [i, p] of points.entries()) {
    const b = Math.min(buckets - 1, Math.floor(((p.tMs - t0) / span) * buckets));
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = hi = i;
    } else {
      if (p.pendingBytes < itemAt(points, lo).pendingBytes) lo = i;
      if (p.pendingBytes > itemAt(points, hi).pendingBytes) hi = i;
    }
    const q = points[i - 1];
    if (q && (q.dirtyRateBytesPerSec !== p.dirtyRateBytesPerSec || q.throttlePct !== p.throttlePct || q.downtimeLimitMs !== p.downtimeLimitMs)) {
      keep[i - 1] = 1;
      keep[i] = 1;
    }
  }
  flush();
  return points.filter((_, i) => keep[i] === 1);
}

/**
 * Events of a run: the end of each full pass (the first point whose pass
 * count is higher), the pause and abort events the engine recorded, the
 * moment the guest stopped (end minus downtime) and the end.
 */
export function timelineEvents(points: readonly TimelinePoint[], r: RunResult): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  let passes = points[0]?.passes ?? 0;
  for (const p of points) {
    if (p.passes > passes) {
      for (let k = passes + 1; k <= p.passes; k++) events.push({ tMs: p.tMs, kind: 'pass', label: `pass ${k}` });
      passes = p.passes;
    }
    if (p.event === 'pause') events.push({ tMs: p.tMs, kind: 'pause', label: 'guest paused' });
    if (p.event === 'abort') events.push({ tMs: p.tMs, kind: 'abort', label: `aborted (${r.stopReason})` });
  }
  if (r.outcome === 'completed') {
    // a paused guest is already stopped: its downtime runs from the pause, and the switch-over adds no stop
    if (!events.some((e) => e.kind === 'pause')) events.push({ tMs: r.totalTimeMs - r.downtimeMs, kind: 'stop', label: `guest stopped (${r.stopReason})` });
    events.push({ tMs: r.totalTimeMs, kind: 'end', label: 'running on the destination' });
  } else if (r.outcome === 'unfinished') {
    events.push({ tMs: r.totalTimeMs, kind: 'horizon', label: `horizon ${formatMs(r.totalTimeMs)}: still copying` });
  }
  return events.sort((a, b) => a.tMs - b.tMs);
}

/** The timeline ready for a chart: thinned series, events, the stretch the guest was not running. */
export function chartableTimeline(points: readonly TimelinePoint[], r: RunResult, buckets = 600): ChartableTimeline {
  const series = thinTimeline(points, buckets).map((p) => ({
    tMs: p.tMs,
    pendingBytes: p.pendingBytes,
    transferredBytes: p.transferredBytes,
    dirtyRateBytesPerSec: p.dirtyRateBytesPerSec,
    throttlePct: p.throttlePct,
    downtimeLimitMs: p.downtimeLimitMs,
  }));
  const downtime = Number.isFinite(r.downtimeMs) && r.downtimeMs > 0 ? { fromMs: r.totalTimeMs - r.downtimeMs, toMs: r.totalTimeMs } : null;
  return { series, events: timelineEvents(points, r), downtime, endMs: r.totalTimeMs };
}
