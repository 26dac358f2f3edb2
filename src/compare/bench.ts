/**
 * `migsweep compare --bench <old.json> <new.json>`: two results of
 * `npm run bench` (github-action-benchmark's custom format, a list of
 * `{ name, unit, value }`) figure by figure, so that a nightly job fails on
 * a speed regression.
 *
 * Absolute speeds from two machines say more about the machines than about
 * the code (a CI runner is not the same machine from one night to the
 * next), so only ratios measured within one run (2 workers vs 1, harness vs
 * engine alone: `scope: run`) fail the comparison; absolute figures fail it
 * only with `--same-machine`. Direction comes from `biggerIsBetter` when
 * the file says it, else from the unit (rates per second and `x` factors
 * are better higher, times, sizes and percentages lower).
 *
 * A percentage is an overhead on top of the whole (harness vs engine
 * alone: 20% = 1.2 x the engine's time), so its change is that of
 * 100% + value: 20% -> 22% is 1.7% slower, not a 10% change.
 *
 * A gated figure that the candidate lacks fails the comparison (`missing`):
 * a bench that stopped measuring something, or renamed it, must not pass
 * the gate by silence. A renamed figure is therefore `missing` under its
 * old name and `new` under its new one; refresh the baseline to accept it.
 * A figure only in the candidate is `new` and never fails; an absolute
 * figure the candidate lacks is `missing` too, but fails only where it is
 * gated (`--same-machine`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../common/errors.js';
import type { BenchComparison, BenchFigure, BenchLine } from './types.js';

function bad(file: string, path: string, message: string): never {
  throw new InputError(file, [{ path, message }]);
}

/** Read and check a bench result file. */
export function readBench(file: string): BenchFigure[] {
  if (!existsSync(file)) bad(file, '', 'no such file; expected a bench result such as results/bench/latest.json (npm run bench writes it)');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    bad(file, '', `not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) bad(file, '', `expected a list of { name, unit, value } (github-action-benchmark's custom format), found ${data === null ? 'null' : typeof data}`);
  const seen = new Set<string>();
  return data.map((row: unknown, i): BenchFigure => {
    const r = row as Partial<BenchFigure> | null;
    if (r === null || typeof r !== 'object') bad(file, `[${i}]`, 'expected an object { name, unit, value }');
    if (typeof r.name !== 'string' || r.name === '') bad(file, `[${i}].name`, `expected the figure's name (text), found ${JSON.stringify(r.name)}`);
    if (typeof r.unit !== 'string') bad(file, `[${i}].unit`, `expected a unit (text), found ${JSON.stringify(r.unit)}`);
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) bad(file, `[${i}].value`, `expected a number, found ${JSON.stringify(r.value)}`);
    if (seen.has(r.name)) bad(file, `[${i}].name`, `'${r.name}' appears twice; names pair the figures of two results`);
    seen.add(r.name);
    return r as BenchFigure;
  });
}

/** Rates (`tasks/s`, `ops/s`) and factors (`x`) are better higher; times, sizes and percentages lower. */
export function biggerIsBetter(f: BenchFigure): boolean {
  if (typeof f.biggerIsBetter === 'boolean') return f.biggerIsBetter;
  return /\/s$/.test(f.unit) || f.unit === 'x';
}

/** `run` for a ratio of two measurements in one run, `machine` for an absolute figure; from the file, else from the unit. */
export function scopeOf(f: BenchFigure): 'run' | 'machine' {
  if (f.scope === 'run' || f.scope === 'machine') return f.scope;
  return f.unit === 'x' ? 'run' : 'machine';
}

export function compareBench(baselineFile: string, candidateFile: string, threshold: number, sameMachine: boolean): BenchComparison {
  const a = readBench(baselineFile);
  const b = readBench(candidateFile);
  const byName = new Map(b.map((f) => [f.name, f]));
  const lines: BenchLine[] = [];
  const line = (f: BenchFigure, base: number | null, cand: number | null): BenchLine => {
    const bigger = biggerIsBetter(f);
    const scope = scopeOf(f);
    const gated = scope === 'run' || sameMachine;
    const whole = (v: number) => (f.unit === '%' ? 100 + v : v);
    const relative = base !== null && cand !== null && whole(base) !== 0 ? (whole(cand) - whole(base)) / Math.abs(whole(base)) : null;
    let verdict: BenchLine['verdict'];
    if (base === null) verdict = 'new';
    else if (cand === null) verdict = 'missing';
    else if (relative === null || Math.abs(relative) <= threshold) verdict = 'within-threshold';
    else if (!gated) verdict = 'not-gated';
    else verdict = relative > 0 === bigger ? 'improvement' : 'regression';
    return { name: f.name, unit: f.unit, baseline: base, candidate: cand, relative, biggerIsBetter: bigger, scope, gated, verdict };
  };
  for (const f of a) {
    const g = byName.get(f.name);
    if (g !== undefined && g.unit !== f.unit) bad(candidateFile, f.name, `is in ${g.unit}, the baseline's in ${f.unit}; the figures cannot be compared`);
    lines.push(line(f, f.value, g?.value ?? null));
  }
  for (const g of b) if (!a.some((f) => f.name === g.name)) lines.push(line(g, null, g.value));
  const regressions = lines.filter((l) => l.verdict === 'regression').length;
  const missing = lines.filter((l) => l.verdict === 'missing' && l.gated).length;
  return {
    tool: 'migsweep',
    kind: 'compare-bench',
    format: 1,
    baseline: baselineFile,
    candidate: candidateFile,
    threshold,
    sameMachine,
    lines,
    counts: {
      regressions,
      missing,
      improvements: lines.filter((l) => l.verdict === 'improvement').length,
      gated: lines.filter((l) => l.gated && l.baseline !== null && l.candidate !== null).length,
      notGated: lines.filter((l) => !l.gated).length,
    },
    exitCode: regressions > 0 || missing > 0 ? 1 : 0,
  };
}
