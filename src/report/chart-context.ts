/** What the chart builders share about one run: the variants in order, their policies, and the columns that make a workload-and-link condition. */
import { formatRate } from '../common/format.js';
import { distinct, numbers } from './table.js';
import { displayUnit } from './units.js';
import type { ChartContext, Row, RunFolder } from './types.js';

/**
 * Summary columns that belong to the policy (or to the run's bookkeeping),
 * not to the workload and link. Policy constants are `<kind>_<param>` and
 * statistics `<metric>_<stat>`, so any column with `_` is one of them.
 */
const NOT_CONDITION = new Set([
  'scenarioId',
  'variant',
  'policy',
  'base',
  'downtimeLimitMs',
  'estimator',
  'seed',
  'n',
  'errors',
  'completedShare',
  'unfinishedShare',
  'abortedShare',
]);

/** Columns of summary.csv that describe the guest, workload and link: scenarios equal on all of them differ only by policy. */
export function conditionColumns(summaryColumns: readonly string[]): string[] {
  return summaryColumns.filter((c) => !NOT_CONDITION.has(c) && !c.includes('_'));
}

/**
 * The sweep's own axis columns (from manifest.json) that summary.csv has,
 * policy constants included (`downtimeLimitMs`, `auto-converge_increment`):
 * a chart must not draw rows that differ in one of them on top of each
 * other without saying so.
 */
export function axisColumns(run: RunFolder): string[] {
  const axes = Array.isArray(run.manifest.axes) ? run.manifest.axes : [];
  return [...new Set(axes.map((a) => a.column).filter((c) => typeof c === 'string' && run.summary.columns.includes(c)))];
}

/** Whether `c` is the same in all rows that share the values of `cols` (it follows from them). */
export function followsFrom(rows: readonly Row[], c: string, cols: readonly string[]): boolean {
  const seen = new Map<string, unknown>();
  for (const r of rows) {
    const k = JSON.stringify(cols.map((col) => r[col]));
    if (seen.has(k) && seen.get(k) !== r[c]) return false;
    seen.set(k, r[c]);
  }
  return true;
}

/** Each variant's policy labels (`qemu-2011 + max-passes(10)`), in order; several when the variant has axes of its own. */
export function policiesByVariant(rows: readonly Row[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const v = String(r.variant);
    const list = out.get(v) ?? [];
    const p = r.policy === null || r.policy === undefined ? null : String(r.policy);
    if (p !== null && !list.includes(p)) list.push(p);
    out.set(v, list);
  }
  return out;
}

/**
 * A sentence when a base's own rate limit (`<base>_maxBandwidthBytesPerSec`,
 * e.g. QEMU 0.15's 32 MiB/s max_throttle) is below some link bandwidths of
 * the sweep: there the limit, not the link, decides whether pre-copy keeps
 * up with the guest, and the x axis (dirty rate / link bandwidth) understates
 * the real ratio.
 */
export function rateCapNote(rows: readonly Row[], columns: readonly string[]): string | null {
  const links = numbers(rows, 'bandwidthBytesPerSec');
  if (links.length === 0) return null;
  const parts: string[] = [];
  for (const col of columns.filter((c) => c.endsWith('_maxBandwidthBytesPerSec'))) {
    const caps = [...new Set(numbers(rows, col))];
    const [cap] = caps;
    if (caps.length !== 1 || cap === undefined) continue;
    const faster = [...new Set(links)].filter((b) => b > cap).sort((a, b) => a - b);
    if (faster.length === 0) continue;
    const u = displayUnit('bandwidthBytesPerSec', faster);
    const list = faster.map((b) => `${+(b / u.factor).toPrecision(3)}`).join(' and ');
    parts.push(
      `${col.slice(0, -'_maxBandwidthBytesPerSec'.length)} sends at most ${formatRate(cap)} (its max-bandwidth), so on the ${list} ${u.unit} links that cap, not the link, limits the copy`,
    );
  }
  return parts.length ? `${parts.join('; ')}.` : null;
}

export function chartContext(run: RunFolder, timeline?: ChartContext['timeline']): ChartContext {
  const rows = run.summary.rows;
  const variants = distinct(rows, 'variant').map(String);
  const policies = policiesByVariant(rows);
  return {
    run,
    variants,
    policies,
    seriesField: [...policies.values()].some((p) => p.length > 1) ? 'policy' : 'variant',
    conditionColumns: conditionColumns(run.summary.columns),
    rateCapNote: rateCapNote(rows, run.summary.columns),
    timeline,
  };
}
