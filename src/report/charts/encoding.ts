/** Pieces of encodings that several charts share: tooltips, the facet by a column, a cell's outcome. */
import { formatMs } from '../../common/format.js';
import { evenlySpaced } from '../axis-sample.js';
import { MAX_FACET_PANELS } from '../chart-limits.js';
import { distinct, numbers } from '../table.js';
import { NUMBER_FORMAT, columnName, fieldRef, showField, type ShownField } from '../units.js';
import type { Row } from '../types.js';

export interface TooltipField {
  field: string;
  type: 'quantitative' | 'nominal';
  title: string;
  format?: string;
}

/** A tooltip line for a shown (unit-converted) field. */
export function tipShown(s: ShownField): TooltipField {
  // a tooltip line always says its unit, even where an axis title leaves it to the tick labels
  const title = s.unit.unit && s.unit.unit !== '× RAM' && !s.title.includes('(') ? `${s.title} (${s.unit.unit})` : s.title;
  return { field: fieldRef(s.field), type: 'quantitative', title, format: NUMBER_FORMAT };
}

export function tipText(field: string, title: string): TooltipField {
  return { field: fieldRef(field), type: 'nominal', title };
}

export function tipShare(field: string, title: string): TooltipField {
  return { field: fieldRef(field), type: 'quantitative', title, format: '.0%' };
}

/**
 * The majority outcome of a scenario's replicates, from summary.csv's shares:
 * completed when at least half completed.
 */
export const OUTCOME_EXPR = "datum.completedShare >= 0.5 ? 'completed' : datum.abortedShare > datum.unfinishedShare ? 'aborted' : 'unfinished'";

/** A panel per value of a column, headed in the column's display unit (`link bandwidth 1 Gbit/s`). */
export interface Facet {
  /** the CSV column */
  column: string;
  /** transforms that make the header's field (a unit conversion; none for a text column) and keep only the panels shown */
  transforms: (ShownField['transform'] | { filter: { field: string; oneOf: (string | number)[] } })[];
  /** a sentence when the column has more values than MAX_FACET_PANELS and some panels are left out */
  note: string | null;
  header: { field: string; type: 'ordinal'; title: null; header: { labelExpr: string; labelFontSize: number }; sort: 'ascending' };
}

/** The facet for a chart: the given column, or the link bandwidth when the sweep has several and nothing was asked. */
export function facetFor(rows: readonly Row[], requested: string | undefined, columns: readonly string[]): Facet | null {
  let col: string | null = null;
  if (requested === 'none') col = null;
  else if (requested !== undefined) col = requested;
  else if (columns.includes('bandwidthBytesPerSec') && distinct(rows, 'bandwidthBytesPerSec').length > 1) col = 'bandwidthBytesPerSec';
  if (col === null) return null;
  // at most MAX_FACET_PANELS panels side by side: evenly spaced values keep theirs, the others are filtered out and named
  const all = distinct(rows, col);
  if (all.every((v) => typeof v === 'number')) all.sort((a, b) => a - b);
  const kept = all.length > MAX_FACET_PANELS ? (evenlySpaced(all, MAX_FACET_PANELS) as (string | number)[]) : null;
  const keep = kept ? [{ filter: { field: fieldRef(col), oneOf: kept } }] : [];
  const note = kept ? `Panels: ${MAX_FACET_PANELS} of the ${all.length} values of ${columnName(col)} (evenly spaced); the others are not drawn.` : null;
  const values = numbers(rows, col);
  const header = (field: string, labelExpr: string) => ({
    field: fieldRef(field),
    type: 'ordinal' as const,
    title: null,
    header: { labelExpr, labelFontSize: 12 },
    sort: 'ascending' as const,
  });
  // a text column (a workload kind) is shown as it is
  if (values.length === 0) return { column: col, transforms: keep, note, header: header(col, `${JSON.stringify(`${columnName(col)} `)} + datum.value`) };
  const shown = showField(col, values, { log: false });
  const unit = shown.unit.unit ? ` + ${JSON.stringify(` ${shown.unit.unit}`)}` : '';
  return {
    column: col,
    transforms: [...keep, shown.transform],
    note,
    header: header(shown.field, `${JSON.stringify(`${columnName(col)} `)} + format(datum.value, ',.4~r')${unit}`),
  };
}

/** `1 h` from the horizon column, for sentences about unfinished runs. */
export function horizonText(rows: readonly Row[]): string {
  const h = numbers(rows, 'horizonMs');
  if (h.length === 0) return 'the horizon';
  const lo = Math.min(...h);
  const hi = Math.max(...h);
  return lo === hi ? `the ${formatMs(lo)} horizon` : `the horizon (${formatMs(lo)} to ${formatMs(hi)})`;
}

/**
 * Tooltip lines for the workload and link of a point (dirty rate, link
 * bandwidth) in their display units, with the transforms that make the
 * shown fields; the chart adds both.
 */
export function conditionTips(rows: readonly Row[], columns: readonly string[]): { tips: TooltipField[]; transforms: ShownField['transform'][] } {
  const shown = ['dirtyRateBytesPerSec', 'bandwidthBytesPerSec'].filter((c) => columns.includes(c)).map((c) => showField(c, numbers(rows, c), { log: true }));
  return { tips: shown.map(tipShown), transforms: shown.map((s) => s.transform) };
}
