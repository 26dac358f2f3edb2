/**
 * The words and cells the text formats share (terminal table, markdown):
 * one row per finding, the headline, the lines that say how a comparison
 * was judged. The JSON format carries the numbers instead.
 */
import { formatColumnValue, columnName } from '../../report/units.js';
import type { BenchComparison, BenchLine, Comparison, Finding } from '../types.js';

export const FINDING_HEADS = ['scenario', 'metric', 'baseline', 'candidate', 'change', 'judged'] as const;

/** `+22.6%`, `-3.14%`, `+1.2e-4%`; `from 0 up` when the baseline was 0. */
export function relativeText(relative: number | null): string {
  if (relative === null) return '-';
  if (!Number.isFinite(relative)) return relative > 0 ? 'from 0 up' : 'from 0 down';
  if (relative === 0) return '0%';
  const pct = relative * 100;
  const abs = Math.abs(pct);
  return `${pct > 0 ? '+' : ''}${abs >= 10 ? pct.toFixed(1) : abs >= 0.01 ? pct.toFixed(2) : pct.toExponential(1)}%`;
}

/** A p-value in two or three significant digits. */
export function pText(p: number): string {
  return p >= 0.001 ? p.toPrecision(2) : p.toExponential(1);
}

function judged(f: Finding): string {
  if (f.metric === 'outcome') return 'always';
  if (f.test === 'exact') return 'exact';
  if (f.p === null) return '-';
  const how = f.test === 'paired-permutation' ? 'paired' : 'unpaired';
  return `p = ${pText(f.p)} (${how})`;
}

function value(metric: string, v: number | null): string {
  return v === null ? '-' : formatColumnValue(metric, v);
}

/** The cells of a finding, in FINDING_HEADS order. */
export function findingCells(f: Finding): string[] {
  if (f.metric === 'outcome') {
    const [from = '', to = ''] = f.detail.replace(/^completed /, '').split(' -> ');
    const pts = f.change === null ? '-' : `${f.change >= 0 ? '+' : ''}${Math.round(f.change * 100)} pts`;
    return [f.scenario, 'completed', from, to, pts, judged(f)];
  }
  return [f.scenario, columnName(f.metric), value(f.metric, f.baseline), value(f.metric, f.candidate), relativeText(f.relative), judged(f)];
}

/** What each section holds, in words. */
export const SECTIONS = [
  ['regressions', 'regression', 'regressions'],
  ['improvements', 'improvement', 'improvements'],
  ['changed', 'change of a metric that is neither better higher nor lower', 'changes of metrics that are neither better higher nor lower'],
  [
    'notSignificant',
    'change beyond the threshold within the noise of the replicates (not significant)',
    'changes beyond the threshold within the noise of the replicates (not significant)',
  ],
] as const satisfies readonly [keyof Comparison, string, string][];

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `results/baseline/default (default, commit 71eec1b, run 2026-11-25 21:33)` */
export function runText(r: Comparison['baseline']): string {
  const when = r.start ? `, run ${r.start.slice(0, 16).replace('T', ' ')}` : '';
  return `${r.dir} (${r.name}, ${r.commit ? `commit ${r.commit.slice(0, 7)}` : 'no commit'}${when})`;
}

/** How the comparison judged, in sentences (the same in every text format). */
export function method(c: Comparison): string[] {
  const s = c.settings;
  const pct = (x: number) => `${+(x * 100).toPrecision(3)}%`;
  const lines = [
    `a regression is a change for the worse of more than ${pct(s.threshold)} of the baseline's mean that is exact or significant; a smaller completed share (or more failed tasks) is always one`,
    `deterministic scenarios (no random numbers, every replicate the same) are compared exactly`,
  ];
  lines.push(
    s.family === 0
      ? 'no noisy comparison changed, so no test was needed'
      : `${plural(s.family, 'noisy comparison', 'noisy comparisons')} (replicates that differ, values that changed): two-sided permutation tests (${s.paired > 0 ? 'replicates paired by seed, sign flips' : 'two samples'}), Holm-corrected so that the chance of any false alarm among them is at most ${pct(s.alpha)}`,
  );
  return lines;
}

/** The one-line verdict: `3 regressions, 2 improvements` or `no regression`. */
export function headline(c: Comparison): string {
  const parts: string[] = [];
  if (c.counts.regressions > 0) parts.push(plural(c.counts.regressions, 'regression', 'regressions'));
  if (c.counts.improvements > 0) parts.push(plural(c.counts.improvements, 'improvement', 'improvements'));
  if (parts.length === 0) parts.push('no regression');
  return parts.join(', ');
}

/** The matched and unmatched counts in one sentence. */
export function matchedText(c: Comparison): string {
  const one =
    c.counts.baselineOnly + c.counts.candidateOnly === 0
      ? 'none on one side only'
      : `${c.counts.baselineOnly} only in the baseline, ${c.counts.candidateOnly} only in the candidate`;
  const paired = c.settings.paired > 0 ? ` (${c.settings.paired} with replicates paired by seed)` : '';
  return `${plural(c.counts.matched, 'scenario', 'scenarios')}${paired}; ${one}`;
}

/** What the other comparisons did: `620 identical, 4 changed by 5% or less, 23 without a value on one side`. */
export function restText(c: Comparison): string {
  const parts = [`${c.counts.unchanged} identical`, `${c.counts.withinThreshold} changed by ${+(c.settings.threshold * 100).toPrecision(3)}% or less`];
  if (c.counts.noData > 0) parts.push(`${c.counts.noData} without a value on one side (e.g. no downtime where a migration never completed)`);
  return parts.join(', ');
}

/** The setting changes in words: those accepted from the sweep files, then the CSV columns that differ. */
export function settingLines(c: Comparison): string[] {
  const why = c.acceptedSettings.length > 0 ? 'follows from the accepted setting change' : 'the same in every row of each run: a default changed in the code?';
  return [
    ...c.acceptedSettings.map((line) => `sweep files differ (accepted by --allow-changed-settings): ${line}`),
    ...c.settingDifferences.map((d) => `${d.variant === null ? '' : `variant '${d.variant}': `}${d.column} ${d.baseline ?? 'absent'} -> ${d.candidate ?? 'absent'} (${why})`),
  ];
}

export const BENCH_HEADS = ['figure', 'baseline', 'candidate', 'change', 'better', 'gate', 'verdict'] as const;

export function benchCells(l: BenchLine): string[] {
  const v = (x: number | null) => (x === null ? '-' : `${+x.toPrecision(4)} ${l.unit}`);
  const gate = l.gated ? (l.scope === 'run' ? 'ratio in one run' : 'same machine') : 'not gated: absolute';
  return [l.name, v(l.baseline), v(l.candidate), relativeText(l.relative), l.biggerIsBetter ? 'higher' : 'lower', gate, l.verdict];
}

/** `1 speed regression beyond 10%; 1 gated figure missing from the candidate: 'a'`, or `no speed regression beyond 10% (2 gated figures)`. */
export function benchHeadline(c: BenchComparison): string {
  const pct = +(c.threshold * 100).toPrecision(3);
  const missing = c.lines.filter((l) => l.verdict === 'missing' && l.gated).map((l) => `'${l.name}'`);
  const parts: string[] = [];
  if (c.counts.regressions > 0) parts.push(`${plural(c.counts.regressions, 'speed regression', 'speed regressions')} beyond ${pct}%`);
  if (missing.length > 0) parts.push(`${plural(missing.length, 'gated figure', 'gated figures')} missing from the candidate: ${missing.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : `no speed regression beyond ${pct}% (${plural(c.counts.gated, 'gated figure', 'gated figures')})`;
}

export function benchMethod(c: BenchComparison): string[] {
  return [
    'absolute speeds (tasks/s, seconds, MiB) from different machines are not comparable: only ratios measured within one run (2 workers vs 1, harness vs engine alone) are gated',
    c.sameMachine
      ? 'absolute figures are gated too (--same-machine: both results come from one machine)'
      : 'absolute figures are shown, not gated (pass --same-machine when both results come from one machine)',
    'a gated figure the candidate lacks fails the comparison (missing); a renamed figure is missing under its old name and new under its new one: refresh the baseline to accept it',
  ];
}
