/** What every chart shares: the look, one colour per policy variant, the panel headers. */
import type { Config } from 'vega-lite';

/** One colour per variant, the same in every chart (Tableau 10, readable on white and by most colour-blind readers). */
export const VARIANT_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d', '#ff9da6', '#bab0ac'];

/** Marker shapes by variant, so that overlapping lines stay apart in grey print too. */
export const VARIANT_SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'triangle-down', 'cross', 'triangle-left', 'triangle-right', 'circle', 'square'];

export const SCHEMA_URL = 'https://vega.github.io/schema/vega-lite/v6.json';

export const CONFIG: Config = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  title: { fontSize: 15, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#444', offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', labelFontWeight: 'bold' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 0, orient: 'bottom', direction: 'vertical' },
  view: { stroke: '#ccc' },
};

/** How a variant is named in legends: `treutner: qemu-2011 + max-passes(10) + transfer-factor(3)`. */
export function variantLegendLabel(variant: string, policies: readonly string[] | undefined): string {
  if (!policies || policies.length === 0) return variant;
  if (policies.length > 1) return `${variant}: ${policies.length} settings`;
  return policies[0] === variant ? variant : `${variant}: ${policies[0]}`;
}

/** Every variant's legend label, from its policies. */
export function legendLabels(variants: readonly string[], policies: ReadonlyMap<string, string[]>): Map<string, string> {
  return new Map(variants.map((v) => [v, variantLegendLabel(v, policies.get(v))]));
}

/** A vega expression mapping the legend's `datum.label` (a variant) to its legend label. */
function legendLabelExpr(variants: readonly string[], labels: ReadonlyMap<string, string>): string {
  const map: Record<string, string> = {};
  for (const v of variants) map[v] = labels.get(v) ?? v;
  // JSON is a vega object literal; the lookup falls back to the raw label
  return `(${JSON.stringify(map)})[datum.label] || datum.label`;
}

/** The colour channel of a chart: the variant, in the sweep's order, its policy spelt out in the legend. */
export function variantColor(variants: readonly string[], labels: ReadonlyMap<string, string> = new Map(), title = 'policy variant') {
  return {
    field: 'variant',
    type: 'nominal' as const,
    title,
    scale: { domain: [...variants], range: variants.map((_, i) => VARIANT_COLORS[i % VARIANT_COLORS.length]) },
    sort: [...variants],
    legend: { labelExpr: legendLabelExpr(variants, labels) },
  };
}

export function variantShape(variants: readonly string[], labels: ReadonlyMap<string, string> = new Map()) {
  return {
    field: 'variant',
    type: 'nominal' as const,
    title: 'policy variant',
    scale: { domain: [...variants], range: variants.map((_, i) => VARIANT_SHAPES[i % VARIANT_SHAPES.length]) },
    sort: [...variants],
    legend: { labelExpr: legendLabelExpr(variants, labels) },
  };
}

/**
 * Lines of a subtitle of at most `width` characters. Headless rendering has
 * no canvas to measure text and estimates it generously, so one long line
 * would widen the whole SVG; short lines keep the chart its own width.
 */
export function wrapLines(sentences: readonly string[], width = 100): string[] {
  const out: string[] = [];
  for (const s of sentences) {
    let line = '';
    for (const word of s.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') out.push(line);
  }
  return out;
}

/**
 * Rows in reverse variant order: vega draws later data on top, so the first
 * variant (the baseline) stays visible where a later one coincides with it.
 */
export function baselineOnTop<T extends { variant?: unknown }>(rows: readonly T[], variants: readonly string[]): T[] {
  const rank = new Map(variants.map((v, i) => [v, i]));
  return [...rows].sort((a, b) => (rank.get(String(b.variant)) ?? 0) - (rank.get(String(a.variant)) ?? 0));
}

/** A title's first letter in capitals: `median downtime` -> `Median downtime`. */
export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
