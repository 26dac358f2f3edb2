/**
 * `migsweep compare <baseline-dir> <candidate-dir>`: pair the scenarios of
 * two runs of one sweep by their parameter values and judge every
 * (scenario, metric) pair.
 *
 * - Exact: a scenario that draws no random numbers (fluid engine, no link
 *   jitter) gives the same result on every replicate. When both sides are
 *   constant the difference is exact: identical values are no change, a
 *   difference beyond the threshold is a change with certainty.
 * - Noisy: otherwise a two-sided permutation test over the replicates
 *   decides whether a change beyond the threshold is more than noise.
 *   Replicates with the same seed on both sides drew the same random
 *   numbers (the same sweep seed and task id give the same seed), so they
 *   are paired and the sign-flip test runs on their differences; else the
 *   two samples are compared. Holm's correction keeps the chance of one or
 *   more false alarms over all noisy comparisons of the run at `alpha`.
 * - A regression is a change beyond the threshold in the worse direction
 *   that is exact or significant. A smaller completed share (completed ->
 *   unfinished or aborted) or more failed tasks is always a regression.
 */
import { itemAt } from '../common/lookup.js';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { hashString } from '../engine/random.js';
import { InputError } from '../common/errors.js';
import { formatColumnValue } from '../report/units.js';
import { recordedGrid, sweepDifferences } from './compatibility.js';
import { beyond, COMPARABLE_METRICS } from './metrics.js';
import { holm, permutationsFor, signFlipTest, twoSampleTest } from './permutation.js';
import { finishedRun, readRunSamples, type RunSamples, type ScenarioSamples } from './run-samples.js';
import type {
  Comparison,
  CompareSettings,
  Finding,
  MetricComparison,
  OutcomeComparison,
  OutcomeCounts,
  RunRef,
  ScenarioComparison,
  ScenarioRef,
  SettingDifference,
  SideStats,
} from './types.js';

function runRef(r: RunSamples): RunRef {
  const m = r.manifest;
  return {
    dir: r.dir,
    name: m.name,
    file: m.file,
    commit: m.commit,
    version: m.version,
    start: m.start,
    fingerprint: m.fingerprint,
    seed: m.seed,
    replicates: m.replicates,
    scenarios: r.scenarios.size,
  };
}

function sideStats(values: readonly number[]): SideStats {
  if (values.length === 0) return { n: 0, mean: null, min: null, max: null, sd: null };
  return {
    n: values.length,
    mean: mean(values),
    min: Math.min(...values),
    max: Math.max(...values),
    sd: values.length > 1 ? sampleStandardDeviation(values) : null,
  };
}

const present = (v: readonly (number | null)[]) => v.filter((x): x is number => x !== null);

/** Whether the two scenarios' replicates drew the same random numbers: the same replicates with the same seeds. */
function pairedBySeed(a: ScenarioSamples, b: ScenarioSamples): boolean {
  return a.replicates.length === b.replicates.length && a.replicates.every((r, i) => r === b.replicates[i] && a.seeds[i] !== '' && a.seeds[i] === b.seeds[i]);
}

function outcomeCounts(s: ScenarioSamples): OutcomeCounts {
  const c: OutcomeCounts = { n: s.outcomes.length, completed: 0, unfinished: 0, aborted: 0, errors: 0 };
  for (const o of s.outcomes) c[o === 'error' ? 'errors' : o]++;
  return c;
}

/** Completed share of the runs without error (null when all failed). */
export function completedShare(c: OutcomeCounts): number | null {
  return c.n - c.errors > 0 ? c.completed / (c.n - c.errors) : null;
}

function compareOutcomes(a: ScenarioSamples, b: ScenarioSamples): OutcomeComparison {
  const ca = outcomeCounts(a);
  const cb = outcomeCounts(b);
  const sa = completedShare(ca);
  const sb = completedShare(cb);
  const moreErrors = cb.errors / cb.n > ca.errors / ca.n;
  let verdict: OutcomeComparison['verdict'] = 'unchanged';
  if (moreErrors || (sa !== null && (sb === null || sb < sa))) verdict = 'regression';
  else if ((sb !== null && (sa === null || sb > sa)) || cb.errors / cb.n < ca.errors / ca.n) verdict = 'improvement';
  else if (ca.unfinished !== cb.unfinished || ca.aborted !== cb.aborted) verdict = 'changed';
  return { baseline: ca, candidate: cb, verdict };
}

/** `completed 3/3 -> 0/3 (3 unfinished)` */
function outcomeText(o: OutcomeComparison): string {
  const side = (c: OutcomeCounts) => {
    const rest = [c.unfinished && `${c.unfinished} unfinished`, c.aborted && `${c.aborted} aborted`, c.errors && `${c.errors} failed`].filter(Boolean).join(', ');
    return `${c.completed}/${c.n}${rest ? ` (${rest})` : ''}`;
  };
  return `completed ${side(o.baseline)} -> ${side(o.candidate)}`;
}

/** Two samples with the same values (as multisets). */
function sameValues(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((v, i) => v === y[i]);
}

const constant = (x: readonly number[]) => x.every((v) => v === x[0]);

type Sample = { paired: number[] } | { a: number[]; b: number[] };

/** A metric compared before the correction: `noisy` when it belongs to the family; `sample` when it waits for its test. */
interface Draft {
  scenario: number;
  result: MetricComparison;
  noisy: boolean;
  sample: Sample | null;
}

function draftMetric(metric: string, a: ScenarioSamples, b: ScenarioSamples, paired: boolean, threshold: number): Omit<Draft, 'scenario'> {
  const va = a.values.get(metric)!;
  const vb = b.values.get(metric)!;
  const xa = present(va);
  const xb = present(vb);
  const result: MetricComparison = { metric, baseline: sideStats(xa), candidate: sideStats(xb), change: null, relative: null, test: null, p: null, verdict: 'no-data' };
  if (xa.length === 0 || xb.length === 0) return { result, noisy: false, sample: null };
  const ma = result.baseline.mean!;
  const change = result.candidate.mean! - ma;
  result.change = change;
  result.relative = change === 0 ? 0 : ma === 0 ? Math.sign(change) * Infinity : change / Math.abs(ma);
  const exact = !a.random && !b.random && constant(xa) && constant(xb);
  const over = beyond(result.relative, threshold);
  if (exact) result.test = 'exact';
  if (sameValues(xa, xb)) result.verdict = 'unchanged';
  else if (exact || !over) result.verdict = over ? 'changed' : 'within-threshold';
  else result.verdict = 'not-significant';
  // identical values are no change with certainty, and no false alarm can come from them: they are not in the family
  if (exact || result.verdict !== 'not-significant') return { result, noisy: !exact && result.verdict !== 'unchanged', sample: null };
  result.test = paired ? 'paired-permutation' : 'permutation';
  if (!paired) return { result, noisy: true, sample: { a: xa, b: xb } };
  const d: number[] = [];
  for (let i = 0; i < va.length; i++) if (va[i] !== null && vb[i] !== null) d.push((vb[i] as number) - (va[i] as number));
  return { result, noisy: true, sample: { paired: d } };
}

/** n choose k, as a double. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** The smallest p-value a permutation test can give these replicates: 2 / 2^n for n non-zero paired differences, 2 / C(na + nb, na) for two samples. */
export function smallestP(sample: Sample): number {
  if ('paired' in sample) return 2 / 2 ** sample.paired.filter((d) => d !== 0).length;
  return Math.min(1, 2 / choose(sample.a.length + sample.b.length, sample.a.length));
}

/** A note when replicates are too few for any test to reach Holm's first threshold: such changes can never be flagged. */
function tooFewNote(tooFew: Draft[], tested: number, family: number, alpha: number): string[] {
  if (tooFew.length === 0) return [];
  const floor = Math.min(...tooFew.map((d) => smallestP(d.sample!)));
  const paired = Math.ceil(Math.log2((2 * family) / alpha));
  const which = tooFew.length === tested ? (tested === 1 ? 'the change' : `all ${tested} changes`) : `${tooFew.length} of the ${tested} changes`;
  return [
    `${which} beyond the threshold in noisy scenarios could not be significant with so few replicates: ` +
      `a permutation test over them cannot give a p-value below ${floor.toPrecision(2)}, and Holm's first threshold for ${family} noisy comparison${family === 1 ? '' : 's'} at ${alpha} is ${(alpha / family).toPrecision(2)}; ` +
      `${paired} paired replicates (or more unpaired ones) would be enough`,
  ];
}

/** Turn `changed` into regression or improvement by the metric's direction. */
function directed(metric: string, change: number): MetricComparison['verdict'] {
  const better = COMPARABLE_METRICS[metric] ?? 'none';
  if (better === 'none' || change === 0) return 'changed';
  return change < 0 === (better === 'lower') ? 'improvement' : 'regression';
}

function settingDifferences(a: RunSamples, b: RunSamples): SettingDifference[] {
  const out: SettingDifference[] = [];
  const variants = [...a.constants.keys()].filter((v) => b.constants.has(v));
  const per = new Map<string, { column: string; baseline: string | null; candidate: string | null; variants: string[] }>();
  for (const v of variants) {
    const ca = a.constants.get(v)!;
    const cb = b.constants.get(v)!;
    for (const column of new Set([...ca.keys(), ...cb.keys()])) {
      const x = ca.get(column) ?? (a.paramColumns.includes(column) ? undefined : null);
      const y = cb.get(column) ?? (b.paramColumns.includes(column) ? undefined : null);
      // undefined: the column varies in that run (an axis), so it is no fixed setting
      if (x === undefined || y === undefined || x === y) continue;
      const key = JSON.stringify([column, x, y]);
      const entry = per.get(key) ?? { column, baseline: x, candidate: y, variants: [] };
      entry.variants.push(v);
      per.set(key, entry);
    }
  }
  for (const e of per.values()) {
    if (e.variants.length === variants.length) out.push({ variant: null, column: e.column, baseline: e.baseline, candidate: e.candidate });
    else for (const v of e.variants) out.push({ variant: v, column: e.column, baseline: e.baseline, candidate: e.candidate });
  }
  return out;
}

function notesFor(a: RunSamples, b: RunSamples): string[] {
  const ma = a.manifest;
  const mb = b.manifest;
  const notes: string[] = [];
  if (ma.name !== mb.name) notes.push(`the sweeps are named '${ma.name}' and '${mb.name}'`);
  if (ma.seed !== mb.seed) notes.push(`the sweep seeds differ (${ma.seed} and ${mb.seed}): replicates drew different random numbers and are compared as two samples, not in pairs`);
  if (ma.replicates !== mb.replicates) notes.push(`${ma.replicates} replicates per scenario in the baseline, ${mb.replicates} in the candidate`);
  if (ma.version !== mb.version) notes.push(`made by migsweep ${ma.version} and ${mb.version}`);
  return notes;
}

function finding(s: ScenarioRef, m: MetricComparison): Finding {
  const fmt = (v: number | null, st: SideStats) => (v === null ? '-' : `${formatColumnValue(m.metric, v)}${st.n > 1 && st.sd !== 0 ? ` (mean of ${st.n})` : ''}`);
  return {
    verdict: m.verdict,
    variant: s.variant,
    scenario: s.label,
    params: s.params,
    metric: m.metric,
    baseline: m.baseline.mean,
    candidate: m.candidate.mean,
    change: m.change,
    relative: m.relative,
    test: m.test,
    p: m.p,
    detail: `${fmt(m.baseline.mean, m.baseline)} -> ${fmt(m.candidate.mean, m.candidate)}`,
  };
}

function outcomeFinding(s: ScenarioRef, o: OutcomeComparison): Finding {
  const sa = completedShare(o.baseline);
  const sb = completedShare(o.candidate);
  return {
    verdict: o.verdict,
    variant: s.variant,
    scenario: s.label,
    params: s.params,
    metric: 'outcome',
    baseline: sa,
    candidate: sb,
    change: sa !== null && sb !== null ? sb - sa : null,
    relative: null,
    test: null,
    p: null,
    detail: outcomeText(o),
  };
}

const ref = (s: ScenarioSamples): ScenarioRef => ({ variant: s.variant, params: s.params, label: s.label, scenarioId: s.scenarioId });

export async function compareRuns(baselineDir: string, candidateDir: string, settings: CompareSettings): Promise<Comparison> {
  const ma = finishedRun(baselineDir, 'baseline');
  const mb = finishedRun(candidateDir, 'candidate');
  const diff = sweepDifferences(recordedGrid(ma, baselineDir, 'baseline'), recordedGrid(mb, candidateDir, 'candidate'));
  const refuse = (lines: string[], why: string, hint: string) => {
    throw new InputError(candidateDir, [
      { path: '', message: `cannot be compared with ${baselineDir}: ${why} (baseline ${ma.file}, run ${ma.start}; candidate ${mb.file}, run ${mb.start}):` },
      ...lines.map((message) => ({ path: '', message: `  ${message}` })),
      { path: '', message: hint },
    ]);
  };
  if (diff.structural.length > 0)
    refuse(
      diff.structural,
      'the sweep files differ in what they sweep',
      'scenarios can only be paired within one sweep; refresh the baseline deliberately (migsweep baseline update) when the sweep file changed',
    );
  if (diff.settings.length > 0 && !settings.allowChangedSettings)
    refuse(
      diff.settings,
      'the sweep files differ in fixed settings, so every scenario is a different experiment',
      'pass --allow-changed-settings when this difference is what you want to measure; or refresh the baseline (migsweep baseline update)',
    );

  const metrics = settings.metrics.filter((m) => m !== 'completedShare');
  const [a, b] = await Promise.all([readRunSamples(baselineDir, 'baseline', metrics), readRunSamples(candidateDir, 'candidate', metrics)]);

  const scenarios: ScenarioComparison[] = [];
  const drafts: Draft[] = [];
  const baselineOnly: ScenarioRef[] = [];
  for (const [key, sa] of a.scenarios) {
    const sb = b.scenarios.get(key);
    if (sb === undefined) {
      baselineOnly.push(ref(sa));
      continue;
    }
    const paired = pairedBySeed(sa, sb);
    const index = scenarios.length;
    const metricResults: MetricComparison[] = [];
    for (const m of metrics) {
      const d = draftMetric(m, sa, sb, paired, settings.threshold);
      metricResults.push(d.result);
      if (d.noisy) drafts.push({ scenario: index, ...d });
    }
    scenarios.push({ ...ref(sb), paired, outcome: compareOutcomes(sa, sb), metrics: metricResults });
  }
  const candidateOnly = [...b.scenarios.values()].filter((s) => !a.scenarios.has(s.key)).map(ref);

  // the family: every noisy comparison whose values differ; those not tested (within the threshold) count as p = 1.
  // Leaving identical ones out is sound: a permutation test conditions on the absolute differences (paired) or the
  // pooled values (two samples), and which comparisons are identical is a function of those alone.
  const family = drafts.length;
  const permutations = permutationsFor(family, settings.alpha);
  const tested = drafts.filter((d) => d.sample !== null);
  for (const d of tested) {
    const seed = hashString(`${itemAt(scenarios, d.scenario).scenarioId}:${d.result.metric}`);
    const s = d.sample!;
    d.result.p = 'paired' in s ? signFlipTest(s.paired, permutations, seed) : twoSampleTest(s.a, s.b, permutations, seed);
  }
  const significant = holm(
    tested.map((d) => d.result.p!),
    settings.alpha,
    family,
  );
  const tooFew = tested.filter((d) => smallestP(d.sample!) > settings.alpha / family);
  tested.forEach((d, i) => {
    if (significant[i]) d.result.verdict = 'changed';
  });
  for (const s of scenarios) for (const m of s.metrics) if (m.verdict === 'changed') m.verdict = directed(m.metric, m.change!);

  const findings: Finding[] = [];
  for (const s of scenarios) {
    if (s.outcome.verdict !== 'unchanged') findings.push(outcomeFinding(s, s.outcome));
    for (const m of s.metrics) if (m.verdict !== 'unchanged' && m.verdict !== 'within-threshold' && m.verdict !== 'no-data') findings.push(finding(s, m));
  }
  const size = (f: Finding) => (f.metric === 'outcome' ? Infinity : Math.abs(f.relative ?? 0));
  const section = (v: Finding['verdict']) => findings.filter((f) => f.verdict === v).sort((x, y) => size(y) - size(x));
  const all = scenarios.flatMap((s) => s.metrics);
  const regressions = section('regression');
  const improvements = section('improvement');
  const changed = section('changed');
  const notSignificant = section('not-significant');
  return {
    tool: 'migsweep',
    kind: 'compare',
    format: 1,
    baseline: runRef(a),
    candidate: runRef(b),
    settings: { ...settings, correction: 'holm', family, permutations, paired: scenarios.filter((s) => s.paired).length },
    notes: [...notesFor(a, b), ...tooFewNote(tooFew, tested.length, family, settings.alpha)],
    acceptedSettings: diff.settings,
    settingDifferences: settingDifferences(a, b),
    counts: {
      matched: scenarios.length,
      baselineOnly: baselineOnly.length,
      candidateOnly: candidateOnly.length,
      regressions: regressions.length,
      improvements: improvements.length,
      changed: changed.length,
      notSignificant: notSignificant.length,
      withinThreshold: all.filter((m) => m.verdict === 'within-threshold').length,
      unchanged: all.filter((m) => m.verdict === 'unchanged').length,
      noData: all.filter((m) => m.verdict === 'no-data').length,
    },
    regressions,
    improvements,
    changed,
    notSignificant,
    baselineOnly,
    candidateOnly,
    scenarios,
    exitCode: regressions.length > 0 ? 1 : 0,
  };
}
