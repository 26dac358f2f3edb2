/**
 * Which values of each sweep axis the charts show. A sweep may have
 * hundreds of values on an axis and hundreds of thousands of scenarios; a
 * chart shows a few thousand points at most (chart-limits.ts). The axes come
 * from manifest.json (path, CSV column, values), so the choice is made
 * before summary.csv is read, and summary.csv is read keeping only the rows
 * at the chosen values: memory is bounded whatever the sweep's size.
 *
 * An axis with too many values keeps values evenly spaced by rank, the first
 * and the last included; every chart then says what was left out.
 */
import { MAX_AXIS_VALUES, MAX_CHART_SCENARIOS } from './chart-limits.js';
import { columnName, formatColumnValue } from './units.js';
import type { Cell, ManifestAxis } from './types.js';

/** One axis as the charts see it: all its values, the ones kept, and the variants it applies to (null: all). */
export interface SampledAxis {
  column: string;
  values: (number | string)[];
  /** the kept values, in the axis's order */
  kept: (number | string)[];
  variants: string[] | null;
}

/** `keep` of `values`, evenly spaced by rank, the first and the last included. */
export function evenlySpaced<T>(values: readonly T[], keep: number): T[] {
  if (values.length <= keep) return [...values];
  if (keep <= 1) return values.slice(0, 1);
  const out: T[] = [];
  for (let i = 0; i < keep; i++) out.push(values[Math.round((i * (values.length - 1)) / (keep - 1))] as T);
  return out;
}

function isScalar(v: unknown): v is number | string {
  return typeof v === 'number' || typeof v === 'string';
}

/**
 * The axes of a manifest with the values the charts keep: each axis at most
 * `maxPerAxis` values, and the product over the axes at most `maxScenarios`
 * (the axis with the most kept values gives up values first). Axes whose
 * values are not numbers or names (a whole policy list) are left whole.
 */
export function sampleAxes(axes: readonly ManifestAxis[], maxPerAxis = MAX_AXIS_VALUES, maxScenarios = MAX_CHART_SCENARIOS): SampledAxis[] {
  const out: SampledAxis[] = [];
  for (const a of axes) {
    if (typeof a.column !== 'string' || !Array.isArray(a.values) || !a.values.every(isScalar)) continue;
    const variants = Array.isArray(a.variants) ? a.variants.map(String) : null;
    out.push({ column: a.column, values: a.values, kept: evenlySpaced(a.values, maxPerAxis), variants });
  }
  const product = () => out.reduce((p, a) => p * a.kept.length, 1);
  while (product() > maxScenarios) {
    const widest = out.reduce((w, a) => (a.kept.length > w.kept.length ? a : w));
    if (widest.kept.length <= 2) break;
    widest.kept = evenlySpaced(widest.values, Math.max(2, Math.floor(widest.kept.length * 0.8)));
  }
  return out;
}

/** Whether cell `v` is one of the sorted numbers `sorted` (to 1e-9 relative: values went through CSV text). */
function inSorted(sorted: readonly number[], v: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = sorted[mid] as number;
    if (Math.abs(m - v) <= 1e-9 * Math.max(Math.abs(m), Math.abs(v))) return true;
    if (m < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * A test for summary rows: true when the row lies at kept values of every
 * sampled axis that applies to its variant. `cell(column)` reads the row.
 */
export function keptRowTest(axes: readonly SampledAxis[]): (variant: string, cell: (column: string) => Cell | undefined) => boolean {
  const thinned = axes
    .filter((a) => a.kept.length < a.values.length)
    .map((a) => ({
      column: a.column,
      variants: a.variants,
      numbers: a.kept.filter((v): v is number => typeof v === 'number').sort((x, y) => x - y),
      names: new Set(a.kept.filter((v): v is string => typeof v === 'string')),
    }));
  return (variant, cell) => {
    for (const a of thinned) {
      if (a.variants !== null && !a.variants.includes(variant)) continue;
      const v = cell(a.column);
      if (typeof v === 'number' ? !inSorted(a.numbers, v) : !a.names.has(String(v))) return false;
    }
    return true;
  };
}

/** A sentence per sampled axis for a chart's subtitle: `Shows 25 of the 500 dirty rates (evenly spaced, 1 MiB/s to 512 MiB/s).` */
export function sampledAxesNote(axes: readonly SampledAxis[]): string[] {
  return axes
    .filter((a) => a.kept.length < a.values.length)
    .map((a) => {
      const first = a.values[0];
      const last = a.values[a.values.length - 1];
      return `Sampled: ${a.kept.length} of the sweep's ${a.values.length} values of ${columnName(a.column)} (evenly spaced, ${formatColumnValue(a.column, first)} to ${formatColumnValue(a.column, last)}); the others are not drawn.`;
    });
}
