/**
 * How a column is shown on an axis: in a unit a person reads (GiB, MiB/s,
 * Gbit/s, s, min), never in raw bytes, and on a log scale when its values
 * span decades. The data in a spec stay in the CSV's base units; a
 * `calculate` transform divides by the display factor, so the spec shows
 * the conversion it makes.
 */
import { itemAt } from '../common/lookup.js';
import { formatBytes, formatMs, formatRate } from '../common/format.js';
import { BYTE_LADDER, BYTE_RATE_LADDER, LINK_RATE_LADDER, TIME_LADDER_MS, type UnitStep } from '../common/units.js';
import { NARROW_LOG_DECADES, TICK_SLACK } from './chart-limits.js';
import { columnDimension } from './charts-schema.js';

export interface DisplayUnit {
  /** shown in axis titles: `GiB`, `Gbit/s`, `s`, `× RAM`, `%`; '' for a plain count */
  unit: string;
  /** CSV value / factor = displayed value */
  factor: number;
}

/** Human names of the columns the charts use; others are spelt out from their camelCase name. */
const NAMES: Record<string, string> = {
  dirtyRateBytesPerSec: 'dirty rate',
  bandwidthBytesPerSec: 'link bandwidth',
  dirtyRateToBandwidth: 'dirty rate / link bandwidth',
  ramBytes: 'RAM',
  workingSetBytes: 'working set',
  hotSetBytes: 'hot set',
  hotShare: 'hot-set share of writes',
  zeroShare: 'zero-page share',
  latencyMs: 'link latency',
  downtimeLimitMs: 'downtime limit',
  horizonMs: 'horizon',
  totalTimeMs: 'total migration time',
  downtimeMs: 'downtime',
  expectedDowntimeMs: 'downtime the policy expected',
  transferredBytes: 'bytes sent',
  wireBytes: 'bytes on the wire',
  transferFactor: 'bytes sent / RAM',
  syncs: 'dirty-bitmap syncs',
  passes: 'full passes over RAM',
  maxThrottlePct: 'max CPU throttle',
  throttleCpuSeconds: 'vCPU time lost to throttling',
  postcopyMs: 'post-copy time',
  pendingBytes: 'pending dirty bytes',
  throttlePct: 'CPU throttle',
  tMs: 'time since the start',
};

/** A readable name for a column: `dirtyRateBytesPerSec` -> `dirty rate`, `max-passes_passes` -> `max-passes passes`. */
export function columnName(col: string): string {
  const known = NAMES[col];
  if (known !== undefined) return known;
  const bare = col.replace(/(BytesPerSec|Bytes|Ms|Pct)$/, '');
  return bare
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/** Columns of link speeds, shown in bit/s as network people quote them (1 Gbit/s = 1.25e8 B/s). */
function isLinkRate(col: string): boolean {
  return col === 'bandwidthBytesPerSec';
}

/**
 * The unit to show a column in, chosen from its values: the largest unit in
 * which a typical value (the median on a log axis, the maximum on a linear
 * one) is at least 1.
 */
export function displayUnit(col: string, values: readonly number[], log = false): DisplayUnit {
  const finite = values
    .filter((v) => Number.isFinite(v) && v !== 0)
    .map(Math.abs)
    .sort((a, b) => a - b);
  const typical = (log ? finite[Math.floor((finite.length - 1) / 2)] : finite[finite.length - 1]) ?? 0;
  // the largest unit of the ladder (largest first here) in which the typical value is at least 1; hours only from 2 h: 0 to 60 min reads better than 0 to 1 h
  const pick = (ladder: readonly UnitStep[], from: Record<string, number> = {}): DisplayUnit => {
    const down = [...ladder].reverse();
    for (const [unit, factor] of down) if (typical >= factor * (from[unit] ?? 1)) return { unit, factor };
    const [unit, factor] = ladder[0]!;
    return { unit, factor };
  };
  if (col === 'transferFactor') return { unit: '× RAM', factor: 1 };
  if (col.endsWith('Pct')) return { unit: '%', factor: 1 };
  if (col === 'throttleCpuSeconds') return { unit: 'vCPU-s', factor: 1 };
  if (col === 'dirtyRateToBandwidth' || col.endsWith('Share')) return { unit: '', factor: 1 };
  switch (columnDimension(col)) {
    case 'rate':
      // links by the fastest: 0.1, 1, 10 Gbit/s read better than 100, 1000, 10000 Mbit/s (and never below kbit/s)
      if (isLinkRate(col)) {
        const fastest = finite.length ? finite[finite.length - 1]! : 0;
        const links = LINK_RATE_LADDER.slice(1);
        for (const [unit, factor] of [...links].reverse()) if (fastest >= factor) return { unit, factor };
        const [unit, factor] = links[0]!;
        return { unit, factor };
      }
      return pick(BYTE_RATE_LADDER.slice(0, -1));
    case 'bytes':
      return pick(BYTE_LADDER);
    case 'time':
      // times in the CSV are ms
      return pick(TIME_LADDER_MS, { h: 2 });
    default:
      return { unit: '', factor: 1 };
  }
}

/** `downtime (s)`, `dirty rate / link bandwidth`, `bytes sent / RAM (× RAM)` reads badly: no unit when the name says it. */
export function axisTitle(col: string, u: DisplayUnit): string {
  const name = columnName(col);
  if (u.unit === '' || (u.unit === '× RAM' && name.endsWith('/ RAM'))) return name;
  return `${name} (${u.unit})`;
}

/** True when the positive values span at least `decades` powers of ten: such an axis is drawn on a log scale. */
export function spansDecades(values: readonly number[], decades = 1): boolean {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  if (pos.length < 2) return false;
  return Math.log10(Math.max(...pos) / Math.min(...pos)) >= decades;
}

/** A vega expression reading a field whose name may hold characters vega would read as a path (`.`, `[`). */
export function datumRef(field: string): string {
  return `datum[${JSON.stringify(field)}]`;
}

/**
 * A field safe for vega-lite `field:` (dots and brackets escaped), for the
 * columns whose names carry them.
 */
export function fieldRef(field: string): string {
  return field.replace(/([.[\]\\])/g, '\\$1');
}

/** A shown field: the transform that makes it from a CSV column, its name and its axis title. */
export interface ShownField {
  field: string;
  title: string;
  unit: DisplayUnit;
  log: boolean;
  transform: { calculate: string; as: string };
}

/**
 * Show CSV column `col` (whose values may sit in `source`, e.g.
 * `downtimeMs_median`) in its display unit as a new field named after the
 * column and the unit (`downtimeMs_median__s`).
 */
export function showField(col: string, values: readonly number[], opts: { source?: string; log?: boolean; title?: string } = {}): ShownField {
  const source = opts.source ?? col;
  const log = opts.log ?? spansDecades(values);
  const unit = displayUnit(col, values, log);
  const field = `${source}__${unitSlug(unit.unit)}`;
  const expr = unit.factor === 1 ? datumRef(source) : `${datumRef(source)} / ${unit.factor}`;
  return {
    field,
    title: opts.title ?? axisTitle(col, unit),
    unit,
    log,
    transform: { calculate: expr, as: field },
  };
}

function unitSlug(unit: string): string {
  if (unit === '') return 'value';
  return unit
    .replace('× RAM', 'xram')
    .replace('%', 'pct')
    .replace(/\//g, '_per_')
    .replace(/[^A-Za-z0-9_]/g, '');
}

/** d3 number format for tooltips and labels: up to four significant digits, thousands separated, no trailing zeros. */
export const NUMBER_FORMAT = ',.4~r';

/**
 * A vega expression printing a CSV value of column `col` (read by `ref`) in
 * the unit that suits that value alone: `62ms`, `6.1s`, `5.7min`, `1.5GiB`
 * (for labels inside cells, where each value picks its own unit).
 */
export function humanExpr(col: string, ref: string, digits = 2): string {
  const f = (div: number, unit: string) => `format(${ref}${div === 1 ? '' : ` / ${div}`}, '.${digits}~r') + ${JSON.stringify(unit)}`;
  const ladder = (steps: [number, string][]) => {
    const [lastDiv, lastUnit] = itemAt(steps, steps.length - 1);
    let expr = f(lastDiv, lastUnit);
    for (let i = steps.length - 2; i >= 0; i--) {
      const [div, unit] = itemAt(steps, i);
      expr = `${ref} < ${itemAt(steps, i + 1)[0]} ? ${f(div, unit)} : ${expr}`;
    }
    return expr;
  };
  const steps = (l: readonly UnitStep[]) => l.map(([unit, factor]) => [factor, unit] as [number, string]);
  switch (columnDimension(col)) {
    case 'time':
      return ladder(steps(TIME_LADDER_MS));
    case 'bytes':
      return ladder(steps(BYTE_LADDER.slice(0, -1)));
    case 'rate':
      return ladder(steps(BYTE_RATE_LADDER.slice(0, -1)));
    default:
      return `format(${ref}, '.${digits}~r')`;
  }
}

/**
 * Round values for the ticks of a log axis or legend between lo and hi (CSV
 * units): decades, with 2 and 5 between them when the range is narrow, round
 * in the unit the chart shows (`factor` CSV units to one: 100 MiB/s, 1 Gbit/s,
 * not 95.37 MiB/s and 0.8 Gbit/s); for times, steps people say (10 s, 1 min,
 * 5 min, 1 h) rather than 100 s.
 */
export function niceMarks(col: string, lo: number, hi: number, narrow = Math.log10(hi / lo) < NARROW_LOG_DECADES, factor = 1): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  let candidates: number[];
  if (columnDimension(col) === 'time') {
    const s = 1000;
    const wide = [1, 10, 100, s, 10 * s, 60 * s, 600 * s, 3600 * s, 36_000 * s];
    const fine = [
      1,
      2,
      5,
      10,
      20,
      50,
      100,
      200,
      500,
      s,
      2 * s,
      5 * s,
      10 * s,
      20 * s,
      30 * s,
      60 * s,
      120 * s,
      300 * s,
      600 * s,
      1200 * s,
      1800 * s,
      3600 * s,
      7200 * s,
      18_000 * s,
      36_000 * s,
    ];
    candidates = narrow ? fine : wide;
  } else {
    candidates = [];
    for (let e = Math.floor(Math.log10(lo / factor)) - 1; e <= Math.ceil(Math.log10(hi / factor)); e++)
      for (const k of narrow ? [1, 2, 5] : [1]) candidates.push(k * 10 ** e * factor);
  }
  return candidates.filter((v) => v >= lo / TICK_SLACK && v <= hi * TICK_SLACK);
}

/** A CSV value of `col` in words for tables and captions: `1 Gbit/s`, `64 MiB/s`, `4 GiB`, `30 ms`. */
export function formatColumnValue(col: string, v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v === null || v === undefined ? '' : String(v);
  const dim = columnDimension(col);
  if (dim === 'rate' && isLinkRate(col)) {
    const u = displayUnit(col, [v]);
    return `${+(v / u.factor).toPrecision(4)} ${u.unit}`;
  }
  if (dim === 'rate') return formatRate(v);
  if (dim === 'bytes') return formatBytes(v);
  if (dim === 'time') return formatMs(v);
  if (col === 'transferFactor') return `${+v.toPrecision(3)} × RAM`;
  if (col.endsWith('Pct')) return `${+v.toPrecision(3)}%`;
  return `${+v.toPrecision(6)}`;
}

/**
 * A log axis over `values` (CSV units) up to `headroom` x their maximum:
 * round tick values with one beyond the data at each end (so the extreme
 * points sit between ticks), the matching scale domain, and for times each
 * tick labelled in its own unit (`100ms`, `10s`, `5min`; the title then
 * needs none). Values and domain are in display units (CSV / factor).
 */
export function logAxis(col: string, values: readonly number[], factor: number, headroom = 1): { axis: Record<string, unknown>; domain?: [number, number] } {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  if (pos.length === 0) return { axis: {} };
  const lo = Math.min(...pos);
  const hi = Math.max(...pos) * headroom;
  // candidates a decade beyond each end, as fine as the data's own range asks
  const marks = niceMarks(col, lo / 10, hi * 10, Math.log10(hi / lo) < NARROW_LOG_DECADES, factor);
  const below = marks.filter((v) => v <= lo).pop() ?? lo;
  const above = marks.find((v) => v >= hi) ?? hi;
  const inside = marks.filter((v) => v >= below && v <= above);
  if (inside.length < 2) return { axis: {} };
  // in a narrow facet the top two labels (2,000 and 5,000) touch: keep a gap, dropping a label when they would
  const axis: Record<string, unknown> = { values: inside.map((v) => v / factor), labelOverlap: 'greedy', labelSeparation: 4 };
  if (columnDimension(col) === 'time') axis.labelExpr = humanExpr(col, `(datum.value * ${factor})`);
  else axis.format = NUMBER_FORMAT;
  return { axis, domain: [below / factor, above / factor] };
}
