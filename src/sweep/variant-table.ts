/** The short table printed at the end of a sweep: one line per variant (policy). */
import { itemAt } from '../common/lookup.js';
import { formatMs } from '../common/format.js';
import { EXACT_LIMIT, RELATIVE_ACCURACY } from './quantiles.js';
import type { VariantSummary } from './types.js';

const HEADS = ['variant', 'runs', 'completed', 'total time (median)', 'downtime (median)', 'downtime (p95)', 'transfer factor (median)', 'errors'];

export function variantTable(rows: readonly VariantSummary[]): string {
  const dash = '-';
  const ms = (v: number | null) => (v === null ? dash : formatMs(v));
  const cells = rows.map((r) => [
    r.variant,
    String(r.runs),
    r.completedShare === null ? dash : `${(100 * r.completedShare).toFixed(0)}%`,
    ms(r.totalTimeMsMedian),
    ms(r.downtimeMsMedian),
    ms(r.downtimeMsP95),
    r.transferFactorMedian === null ? dash : `${r.transferFactorMedian.toPrecision(3)} x RAM`,
    String(r.errors),
  ]);
  const widths = HEADS.map((h, i) => Math.max(h.length, ...cells.map((c) => itemAt(c, i).length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === 0 ? x.padEnd(itemAt(widths, i)) : x.padStart(itemAt(widths, i))))
      .join('  ')
      .trimEnd();
  const note = rows.some((r) => r.approximate)
    ? [`(variants with more than ${EXACT_LIMIT.toLocaleString('en-US')} runs: medians and p95 within ${100 * RELATIVE_ACCURACY}%, from a sketch)`]
    : [];
  return [line(HEADS), ...cells.map(line), ...note].join('\n') + '\n';
}
