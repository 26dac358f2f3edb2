/**
 * The `charts` section of a sweep file: which charts the report draws and
 * from which metrics. The sweep's spec validates it with `chartsSchema`; the
 * report reads it back from manifest.json with `parseCharts` (parsing the
 * parsed form again gives the same entries). Absent = DEFAULT_CHARTS.
 *
 *   charts:
 *     - convergence-map                         # a kind alone: its defaults
 *     - { kind: downtime-vs-ratio, band: ci }
 *     - { kind: cost-vs-ratio, metrics: [totalTimeMs, transferredBytes] }
 *     - { kind: pareto, stat: p95 }
 *     - promised-vs-real
 *     - { kind: timeline, variant: treutner, where: { dirtyRateBytesPerSec: 64MiB/s, bandwidthBytesPerSec: 1Gbit/s } }
 *     - { kind: metric-vs-axis, metric: downtimeMs, x: downtimeLimitMs, color: auto-converge_increment, facet: [dirtyRateBytesPerSec, ramBytes] }
 *
 * Column names (`x`, `y`, `facet`, `where` keys) are checked against the
 * run's CSV header when the report is drawn, where the header is known.
 */
import { z } from 'zod';
import { InputError, formatPath, suggest } from '../common/errors.js';
import { parseQuantity, type Dimension } from '../scenario/quantity.js';
import { describeFound } from '../common/errors.js';

export const CHART_KINDS = [
  'convergence-map',
  'downtime-vs-ratio',
  'cost-vs-ratio',
  'pareto',
  'promised-vs-real',
  'timeline',
  'metric-vs-axis',
  'compare',
  'makespan-vs-p99-downtime',
  'growth-with-concurrency',
  'fleet-gantt',
] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

/** The kinds drawn from a sweep over fleets (docs/fleets.md); the others draw single-VM sweeps. */
export const FLEET_CHART_KINDS = ['makespan-vs-p99-downtime', 'growth-with-concurrency', 'fleet-gantt'] as const satisfies readonly ChartKind[];
export type FleetChartKind = (typeof FLEET_CHART_KINDS)[number];

export function isFleetChartKind(kind: ChartKind): kind is FleetChartKind {
  return (FLEET_CHART_KINDS as readonly ChartKind[]).includes(kind);
}

/** Metrics that summary.csv aggregates over replicates (`<metric>_<stat>` columns). */
export const SUMMARY_METRICS = [
  'totalTimeMs',
  'downtimeMs',
  'expectedDowntimeMs',
  'transferredBytes',
  'transferFactor',
  'syncs',
  'passes',
  'maxThrottlePct',
  'throttleCpuSeconds',
  'postcopyMs',
] as const;
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

/** Statistics over replicates a chart can plot (summary.csv `_mean`, `_median`, ...). */
export const STATS = ['median', 'mean', 'p95', 'min', 'max'] as const;
/** What a shaded band around a line shows: replicates' min to p95, the mean's confidence interval, min to max, or nothing. */
export const BANDS = ['p95', 'ci', 'minmax', 'none'] as const;

const metric = z.enum(SUMMARY_METRICS, {
  error: (iss) => `expected one of ${SUMMARY_METRICS.join(' | ')}, found ${describeFound(iss.input)}${typeof iss.input === 'string' ? suggest(iss.input, SUMMARY_METRICS) : ''}`,
});
const stat = z.enum(STATS, { error: (iss) => `expected one of ${STATS.join(' | ')}, found ${describeFound(iss.input)}` });
const band = z.enum(BANDS, { error: (iss) => `expected one of ${BANDS.join(' | ')}, found ${describeFound(iss.input)}` });
const column = z.string({ error: (iss) => `expected a column name of runs.csv, found ${describeFound(iss.input)}` }).min(1);
const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'expected a file name of lower-case letters, digits and dashes, e.g. downtime-1g' })
  .describe('file name of the chart, charts/<name>.vl.json; default: the kind');
const title = z.string().min(1).describe('title shown above the chart; default: one that says what it shows');

/** `none`, or a column to draw one panel per value of. */
const facet = z
  .union([z.literal('none'), column])
  .describe("one panel per value of this column; 'none' for a single panel; default: the link bandwidth when the sweep has several");

/** The dimension a column's values carry, from the unit in its name (docs/engine-model.md#units: units in names). */
export function columnDimension(col: string): Dimension | null {
  if (col.endsWith('BytesPerSec')) return 'rate';
  if (col.endsWith('Bytes')) return 'bytes';
  if (col.endsWith('Ms')) return 'time';
  return null;
}

/**
 * A `where` value in the column's own unit: a number is taken as it is (bytes,
 * bytes/s, ms: the CSV's units); a quantity with a unit (`64MiB/s`, `30ms`)
 * is converted; other text (a variant, a workload kind) stays text.
 */
export function columnValue(col: string, v: number | string): { ok: true; value: number | string } | { ok: false; reason: string } {
  if (typeof v === 'number') return { ok: true, value: v };
  const dim = columnDimension(col);
  if (dim === null) return { ok: true, value: v };
  const r = parseQuantity(v, dim);
  if (!r.ok) return r;
  return { ok: true, value: dim === 'time' ? r.value * 1000 : r.value };
}

const where = z
  .record(column, z.union([z.number(), z.string()]))
  .transform((rec, ctx) => {
    const out: Record<string, number | string> = {};
    for (const [col, v] of Object.entries(rec)) {
      const r = columnValue(col, v);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.reason, path: [col], input: v });
        return z.NEVER;
      }
      out[col] = r.value;
    }
    return out;
  })
  .describe('pick the scenario whose columns have these values (units allowed: 64MiB/s, 1Gbit/s, 30ms)');

const common = { name: name.optional(), title: title.optional() };

const versusRatio = {
  ...common,
  metrics: z.array(metric).min(1).max(4).optional().describe('one row of panels per metric'),
  x: column.optional().describe('the x axis; default dirtyRateToBandwidth (dirty rate / link bandwidth)'),
  stat: stat.optional().describe('the statistic over replicates drawn as the line; default median'),
  band: band.optional().describe('shaded band over replicates; default p95 (min to p95)'),
  facet: facet.optional(),
};

const ENTRY_SHAPES = [
  z.strictObject({
    kind: z.literal('convergence-map').describe('dirty rate x bandwidth grid per policy: outcome and a metric'),
    ...common,
    x: column.optional().describe('default dirtyRateBytesPerSec'),
    y: column.optional().describe('default bandwidthBytesPerSec'),
    metric: metric.optional().describe('the colour of completed cells; default downtimeMs'),
    stat: stat.optional(),
  }),
  z.strictObject({ kind: z.literal('downtime-vs-ratio').describe('downtime against dirty rate / bandwidth, the limit as a rule'), ...versusRatio }),
  z.strictObject({ kind: z.literal('cost-vs-ratio').describe('total time and bytes sent / RAM against dirty rate / bandwidth'), ...versusRatio }),
  z.strictObject({
    kind: z.literal('pareto').describe('total time against downtime; the non-dominated policy per workload and link marked'),
    ...common,
    x: metric.optional().describe('default totalTimeMs'),
    y: metric.optional().describe('default downtimeMs'),
    stat: stat.optional(),
    facet: facet.optional(),
  }),
  z.strictObject({
    kind: z.literal('promised-vs-real').describe("the policy's expected downtime against the real one, the diagonal drawn"),
    ...common,
    stat: stat.optional(),
  }),
  z.strictObject({
    kind: z.literal('timeline').describe('one scenario over time: pending bytes, dirty rate, throttle, passes and switch-over'),
    ...common,
    variant: z.string().min(1).optional().describe('default: the first variant'),
    where: where.optional(),
  }),
  z.strictObject({
    kind: z
      .literal('metric-vs-axis')
      .describe('a metric against any axis of the sweep: a line per value of a second axis (or per variant), a panel per value of up to two more, the other axes folded (median)'),
    ...common,
    metric: metric.optional().describe('default downtimeMs'),
    stat: stat.optional(),
    x: column.optional().describe('default: the axis with the most numeric values'),
    color: z
      .union([z.literal('none'), column])
      .optional()
      .describe("one line per value of this column; default: the variant when there are several, else the axis with the next most values; 'none' for one line"),
    facet: z
      .union([z.literal('none'), column, z.array(column).min(1).max(2)])
      .optional()
      .describe("panels: one column, or two (columns of panels, rows of panels); default: the next two axes; 'none' for one panel"),
  }),
  z.strictObject({
    kind: z.literal('compare').describe('this run against a baseline, per policy (drawn when the run folder holds compare.json from migsweep compare --out)'),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('makespan-vs-p99-downtime').describe("sweeps over fleets: one point per fleet, its makespan against the p99 of its VMs' downtimes, per orchestrator setting"),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('growth-with-concurrency').describe('sweeps over fleets: the makespan and the worst downtime against the swept concurrency limit, per orchestrator setting'),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('fleet-gantt').describe('sweeps over fleets: one drain re-simulated, VM by VM (queue, pre-copy, downtime, post-copy) with the link shares over time'),
    ...common,
    fleet: z
      .number({ error: (iss) => `expected a fleet's index (the fleet column of runs.csv), found ${describeFound(iss.input)}` })
      .int()
      .min(0)
      .optional()
      .describe('the fleet to draw (its index, the fleet column of runs.csv); default: the fleet whose makespan is the median of those drawn'),
  }),
] as const;

const entryObject = z.discriminatedUnion('kind', ENTRY_SHAPES, {
  error: (iss) => {
    const kind = (iss.input as { kind?: unknown } | undefined)?.kind;
    if (kind === undefined) return `expected a chart kind or a mapping with kind: one of ${CHART_KINDS.join(' | ')}`;
    return `unknown chart kind ${describeFound(kind)}${typeof kind === 'string' ? suggest(kind, CHART_KINDS) : ''}; expected one of ${CHART_KINDS.join(' | ')}`;
  },
});

const shorthand = z
  .enum(CHART_KINDS, {
    error: (iss) =>
      `unknown chart kind ${describeFound(iss.input)}${typeof iss.input === 'string' ? suggest(iss.input, CHART_KINDS) : ''}; expected one of ${CHART_KINDS.join(' | ')}`,
  })
  .transform((kind): z.output<typeof entryObject> => ({ kind }));

/** One entry of `charts`: a kind alone (`pareto`) or a mapping with options. */
export const chartEntrySchema = z.union([shorthand, entryObject]);
/** The `charts` section of a sweep file. */
export const chartsSchema = z.array(chartEntrySchema).describe('the charts of the report; absent = all six with their defaults');

export type ChartEntry = z.output<typeof entryObject>;

/** The `charts` of a sweep of single VMs: every kind but the fleet kinds (a sweep over fleets checks its own with checkFleetCharts). */
export const singleVmChartsSchema = chartsSchema.superRefine((entries, ctx) => {
  entries.forEach((e, i) => {
    if (isFleetChartKind(e.kind))
      ctx.addIssue({
        code: 'custom',
        path: [i],
        input: e.kind,
        message: `the chart kind '${e.kind}' draws sweeps over fleets (a base with hosts and vms, docs/fleets.md); a sweep of single VMs takes ${CHART_KINDS.filter((k) => !isFleetChartKind(k)).join(' | ')}`,
      });
  });
});

/**
 * What the report draws when the sweep file has no `charts` section and its
 * axes are dirty rate and link bandwidth (chart-choice.ts picks for other
 * shapes; the compare chart only when there is a comparison: see writeReport).
 */
export const DEFAULT_CHARTS: readonly ChartEntry[] = CHART_KINDS.filter((kind) => kind !== 'compare' && kind !== 'metric-vs-axis' && !isFleetChartKind(kind)).map((kind) => ({
  kind,
}));

/** The `charts` of a sweep over fleets must be fleet kinds; an InputError naming the entries that are not. */
export function checkFleetCharts(entries: readonly ChartEntry[], file: string): void {
  const wrong = entries.flatMap((e, i) =>
    isFleetChartKind(e.kind)
      ? []
      : [{ path: `charts[${i}]`, message: `the chart kind '${e.kind}' draws sweeps of single VMs; a sweep over fleets takes ${FLEET_CHART_KINDS.join(' | ')}` }],
  );
  if (wrong.length > 0) throw new InputError(file, wrong);
}

/**
 * Validate a `charts` list (from a sweep file, or from manifest.json where
 * the sweep passed it through). `undefined`/`null` = the defaults. Problems
 * are an InputError naming the file and `charts[i].key`.
 */
export function parseCharts(raw: unknown, file: string): ChartEntry[] {
  if (raw === undefined || raw === null) return [...DEFAULT_CHARTS];
  const res = chartsSchema.safeParse(raw);
  if (!res.success) {
    throw new InputError(
      file,
      res.error.issues.slice(0, 12).map((iss) => {
        const e = explainChartIssue(iss);
        return { path: formatPath(['charts', ...e.path]), message: e.message };
      }),
    );
  }
  const seen = new Map<string, number>();
  const problems: { path: string; message: string }[] = [];
  res.data.forEach((e, i) => {
    if (e.name === undefined) return;
    if (seen.has(e.name)) problems.push({ path: `charts[${i}].name`, message: `'${e.name}' is already the name of charts[${seen.get(e.name)}]` });
    seen.set(e.name, i);
  });
  if (problems.length > 0) throw new InputError(file, problems);
  return res.data;
}

/**
 * A zod issue of `chartsSchema` (path relative to the charts list) as a path
 * and a message, for a caller that validates `charts` inside a larger schema
 * (the sweep file) and wants the report's words for them.
 */
export function explainChartIssue(iss: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (iss.code === 'invalid_union' && iss.errors.length > 0) {
    // [shorthand, mapping]: the mapping branch fails at its root with invalid_type when the input is not a mapping
    const notMapping = iss.errors[1]?.some((e) => e.code === 'invalid_type' && e.path.length === 0) ?? true;
    const first = iss.errors[notMapping ? 0 : 1]?.[0];
    if (first) {
      const inner = explainChartIssue(first);
      return { path: [...iss.path, ...inner.path], message: inner.message };
    }
  }
  return { path: iss.path, message: explainIssue(iss) };
}

function explainIssue(iss: z.core.$ZodIssue): string {
  if (iss.code === 'unrecognized_keys') return `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}`;
  return iss.message;
}

/** Distinct file names for the entries: `name`, else the kind, `-2`, `-3` for repeats. */
export function chartNames(entries: readonly ChartEntry[]): string[] {
  const used = new Set(entries.map((e) => e.name).filter((n): n is string => n !== undefined));
  const count = new Map<string, number>();
  return entries.map((e) => {
    if (e.name !== undefined) return e.name;
    let n = (count.get(e.kind) ?? 0) + 1;
    let candidate = n === 1 ? e.kind : `${e.kind}-${n}`;
    while (used.has(candidate)) candidate = `${e.kind}-${++n}`;
    count.set(e.kind, n);
    used.add(candidate);
    return candidate;
  });
}
