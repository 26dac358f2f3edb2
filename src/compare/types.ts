/**
 * Types of `migsweep compare`: two run folders of one sweep paired scenario
 * by scenario, and two benchmark results paired figure by figure. The
 * Comparison is what `--json` prints and `--out` writes (the report's
 * compare chart reads it back from the candidate's folder as compare.json).
 */

/** Which way a metric is better. `none`: a change is reported, never a regression. */
export type Better = 'lower' | 'higher' | 'none';

/**
 * What became of one (scenario, metric) pair:
 * - `regression` / `improvement`: beyond the threshold and certain (exact) or significant after the correction;
 * - `changed`: the same, for a metric that is neither better lower nor higher;
 * - `not-significant`: beyond the threshold, but within what the replicates' noise explains;
 * - `within-threshold`: a change no larger than the threshold (not tested);
 * - `unchanged`: the same values on both sides;
 * - `no-data`: no value on one side (e.g. the downtime of a migration that never completed there).
 */
export type Verdict = 'regression' | 'improvement' | 'changed' | 'not-significant' | 'within-threshold' | 'unchanged' | 'no-data';

/** How a change was judged: both sides constant (deterministic), or a permutation test over the replicates. */
export type TestKind = 'exact' | 'paired-permutation' | 'permutation';

/** The settings of a comparison (`--threshold`, `--alpha`, `--metrics`). */
export interface CompareSettings {
  /** a relative change of the mean larger than this is a change worth reporting (0.05 = 5%) */
  threshold: number;
  /** family-wise false-alarm rate over the noisy comparisons (Holm) */
  alpha: number;
  /** metric columns of runs.csv to compare; the outcome is always compared */
  metrics: string[];
  /** accept runs whose sweep files differ in fixed settings (base or a variant's `set`), not in axes or variants */
  allowChangedSettings: boolean;
}

/** One side of a (scenario, metric) pair over its replicates. */
export interface SideStats {
  n: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** sample standard deviation; null below two values */
  sd: number | null;
}

export interface MetricComparison {
  metric: string;
  baseline: SideStats;
  candidate: SideStats;
  /** candidate mean - baseline mean */
  change: number | null;
  /** change / |baseline mean|; ±Infinity from a baseline of 0 */
  relative: number | null;
  test: TestKind | null;
  /** two-sided p-value of the permutation test (null when exact or not tested) */
  p: number | null;
  verdict: Verdict;
}

export interface OutcomeCounts {
  n: number;
  completed: number;
  unfinished: number;
  aborted: number;
  errors: number;
}

export interface OutcomeComparison {
  baseline: OutcomeCounts;
  candidate: OutcomeCounts;
  /** regression: a smaller share completed (or more errors); improvement: a larger share; changed: other outcomes moved */
  verdict: 'regression' | 'improvement' | 'changed' | 'unchanged';
}

/** A scenario as people name it: its variant and the values of the sweep's axes. */
export interface ScenarioRef {
  variant: string;
  /** axis column -> value as runs.csv holds it (numbers in the column's unit) */
  params: Record<string, number | string | null>;
  /** `treutner, dirty rate 64 MiB/s, link bandwidth 1 Gbit/s` */
  label: string;
  scenarioId: string;
}

export interface ScenarioComparison extends ScenarioRef {
  /** replicates paired by their seed (common random numbers), or compared as two samples */
  paired: boolean;
  outcome: OutcomeComparison;
  metrics: MetricComparison[];
}

/** One line of a section (regressions, improvements, ...): a metric or the outcome of one scenario. */
export interface Finding {
  verdict: Verdict;
  variant: string;
  scenario: string;
  params: Record<string, number | string | null>;
  /** a metric column, `outcome` or `errors` */
  metric: string;
  baseline: number | null;
  candidate: number | null;
  change: number | null;
  relative: number | null;
  test: TestKind | null;
  p: number | null;
  /** the values in words: `5.87 s -> 7.2 s`, `completed 3/3 -> 0/3 (3 unfinished)` */
  detail: string;
}

/** A run folder as the comparison names it. */
export interface RunRef {
  dir: string;
  name: string;
  file: string;
  commit: string | null;
  version: string;
  start: string;
  fingerprint: string;
  seed: number;
  replicates: number;
  scenarios: number;
}

/** A parameter that is the same in every row of each run but not between the runs (a default changed in the code, or an accepted setting change). */
export interface SettingDifference {
  /** null: in every variant both runs have */
  variant: string | null;
  column: string;
  baseline: string | null;
  candidate: string | null;
}

export interface Comparison {
  tool: 'migsweep';
  kind: 'compare';
  format: 1;
  baseline: RunRef;
  candidate: RunRef;
  settings: CompareSettings & {
    correction: 'holm';
    /** noisy comparisons in the family the correction spans */
    family: number;
    /** permutations of a Monte Carlo test (smaller samples are enumerated exactly) */
    permutations: number;
    /** scenarios whose replicates were paired by seed, of those matched */
    paired: number;
  };
  /** sentences about what differs besides the numbers (seeds, replicates, settings, versions) */
  notes: string[];
  /** differences of the sweep files' fixed settings that --allow-changed-settings accepted */
  acceptedSettings: string[];
  settingDifferences: SettingDifference[];
  counts: {
    matched: number;
    baselineOnly: number;
    candidateOnly: number;
    regressions: number;
    improvements: number;
    changed: number;
    notSignificant: number;
    withinThreshold: number;
    unchanged: number;
    /** comparisons without a value on one side (the downtime of a migration that never completed there) */
    noData: number;
  };
  regressions: Finding[];
  improvements: Finding[];
  changed: Finding[];
  notSignificant: Finding[];
  baselineOnly: ScenarioRef[];
  candidateOnly: ScenarioRef[];
  scenarios: ScenarioComparison[];
  /** 0 nothing regressed, 1 something did */
  exitCode: 0 | 1;
}

/** One figure of a benchmark result (github-action-benchmark's custom format, plus what migsweep's bench adds). */
export interface BenchFigure {
  name: string;
  unit: string;
  value: number;
  extra?: string;
  /** absent in a plain custom-format file: then inferred from the unit */
  biggerIsBetter?: boolean;
  /** `run`: a ratio of two measurements in one run (comparable across machines); `machine`: an absolute figure */
  scope?: 'run' | 'machine';
}

export interface BenchLine {
  name: string;
  unit: string;
  baseline: number | null;
  candidate: number | null;
  /** (candidate - baseline) / |baseline| */
  relative: number | null;
  biggerIsBetter: boolean;
  scope: 'run' | 'machine';
  /** whether this line can fail the comparison (ratios always; absolute figures only with --same-machine) */
  gated: boolean;
  /** `missing`: in the baseline, not in the candidate (fails the comparison when gated); `new`: in the candidate only */
  verdict: 'regression' | 'improvement' | 'within-threshold' | 'not-gated' | 'missing' | 'new';
}

export interface BenchComparison {
  tool: 'migsweep';
  kind: 'compare-bench';
  format: 1;
  baseline: string;
  candidate: string;
  threshold: number;
  sameMachine: boolean;
  lines: BenchLine[];
  /** `missing`: gated figures the candidate lacks (each fails the comparison like a regression) */
  counts: { regressions: number; missing: number; improvements: number; gated: number; notGated: number };
  exitCode: 0 | 1;
}
