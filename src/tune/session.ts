/**
 * `migsweep tune FILE`: read and resolve the tune file, search the
 * constants (search.ts) evaluating every candidate over the population
 * (evaluate.ts), write the run folder (output.ts) as it goes, and end
 * with the recommendation as an operator would set it (settings.ts).
 * `migsweep tune --check best.json`: the recommendation over a fresh draw.
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { InputError } from '../common/errors.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../cli/exit-codes.js';
import { assess, better, candidateId, objectiveKey, paretoSet, relativeMargin, violation, type Candidate } from './candidate.js';
import { createEvaluator, type Evaluator } from './evaluate.js';
import { DEFAULT_BUDGET, describeBudget, TIME_BUDGET_NOTE, type Budget } from './budget.js';
import { appendCandidates, BEST_FILE, findResumable, newRunDir, readCandidates, startFolder, TUNE_COPY, writeJson, writePareto, writeStatus } from './output.js';
import { candidateProblem, resolveTune, type TuneProblem } from './problem.js';
import type { Constants } from './runs.js';
import { gridSize, positionOf, runSearch, stepFor, valueAt, type Strategy } from './search.js';
import { settingLines } from './settings.js';
import { writeTuneReport } from './report.js';
import { readTune } from './spec.js';

/** The step of the sensitivity probe: 1 % of a continuous range (one level of a discrete one). */
const SENSITIVITY_STEP = 0.01;
export const QUANTILE_DEFINITION = 'simple-statistics quantileSorted: linear interpolation between order statistics (R type 7, numpy default)';

export interface TuneOptions {
  file: string;
  out?: string;
  /** where default run folders go (results/) */
  resultsRoot?: string;
  /** a number of evaluations, or a Budget (evaluations or wall time) */
  budget?: number | Budget;
  /** worker threads; 0 = the main thread */
  workers?: number;
  resume?: boolean;
  quiet?: boolean;
  stdout: Writable;
  stderr: Writable;
  /** handle SIGINT and SIGTERM (the CLI does) */
  signals?: boolean;
  /** tests: stop as if interrupted once this many candidates are evaluated (no more are started) */
  stopAfter?: number;
}

export interface BestJson {
  name: string;
  tune: { file: string; seed: number; populationPoints: number; replicates: number; runs: number };
  strategy: Strategy;
  budget: number | string;
  /** evaluations: a deterministic run; time: how far the search got depends on the machine (budgetNote says so) */
  budgetKind: Budget['kind'];
  budgetNote?: string;
  evaluations: number;
  complete: boolean;
  quantiles: string;
  constants: Record<string, number>;
  statistics: Record<string, number>;
  feasible: boolean;
  margins: Record<string, number>;
  sensitivity: Record<string, { step: number; changeUp: number | null; changeDown: number | null }>;
  sensitivityOf: string;
  settings: string[];
  id: string;
  closest?: { candidate: string; constraint: string; shortBy: number; violated: string[] };
}

export interface TuneOutcome {
  exitCode: number;
  dir: string;
  best: Candidate | null;
  bestJson: BestJson | null;
  evaluated: Candidate[];
  problem: TuneProblem;
}

const constantsOf = (problem: TuneProblem, values: readonly number[]): Constants => problem.dims.map((d, i) => [d.segments, values[i] as number]);

/**
 * Evaluate candidates (validated first: constants that do not fit together
 * are an error row, not a run). A candidate `signal` aborted mid-way is left
 * out: only whole candidates come back, in the order given.
 */
async function evaluateAll(problem: TuneProblem, evaluator: Evaluator, values: number[][], phase: string, signal?: AbortSignal): Promise<Candidate[]> {
  const why = values.map((v) => candidateProblem(problem, v));
  const ok = values.filter((_, i) => why[i] === null);
  const runs = await evaluator.evaluate(
    ok.map((v) => constantsOf(problem, v)),
    signal,
  );
  let k = 0;
  const out: Candidate[] = [];
  values.forEach((v, i) => {
    if (why[i] !== null) out.push(assess(problem, v, phase, null, why[i] ?? null));
    else {
      const r = runs[k++];
      if (r) out.push(assess(problem, v, phase, r, null));
    }
  });
  return out;
}

export async function runTune(o: TuneOptions): Promise<TuneOutcome> {
  const problem = resolveTune(readTune(o.file));
  const budget: Budget = typeof o.budget === 'number' ? { kind: 'evaluations', evaluations: o.budget } : (o.budget ?? DEFAULT_BUDGET);
  const maxEvaluations = budget.kind === 'evaluations' ? budget.evaluations : Infinity;
  const resultsRoot = o.resultsRoot ?? 'results';
  let dir: string;
  const cache = new Map<string, Candidate>();
  if (o.resume) {
    const found = o.out ?? findResumable(resultsRoot, problem);
    if (found === null || found === undefined)
      throw new InputError(o.file, [
        { path: '', message: `--resume: no unfinished run of '${problem.name}' under ${join(resultsRoot, 'tune', problem.name)}; run without --resume` },
      ]);
    dir = found;
    for (const c of readCandidates(dir, problem)) cache.set(c.id, c);
    writeStatus(dir, problem, 'running');
  } else {
    dir = o.out ?? newRunDir(resultsRoot, problem.name);
    startFolder(dir, problem);
  }
  const population = problem.population.items(problem.seed);
  const workers = o.workers ?? availableParallelism();
  const evaluator = createEvaluator(population, workers, problem.table);
  const say = (line: string) => {
    if (!o.quiet) o.stderr.write(`${line}\n`);
  };
  say(
    `tune ${problem.name}: ${problem.dims.length} constants, population ${problem.population.points}${problem.table.kind === 'fleet' ? ' fleets' : ' points'} x ${problem.replicates} replicates = ${population.length} runs per candidate; budget ${describeBudget(budget)} (grid of ${gridSize(problem)})${cache.size > 0 ? `; resuming with ${cache.size} candidates done` : ''}`,
  );

  // Ctrl-C (or stopAfter) interrupts; the end of a time budget ends the search as its budget would. Both abort the candidates in flight.
  let interrupted = false;
  let outOfTime = false;
  const interrupt = new AbortController();
  const timeUp = new AbortController();
  const anyStop = AbortSignal.any([interrupt.signal, timeUp.signal]);
  // piscina listens on the signal once per slice in flight: many, by design
  setMaxListeners(0, interrupt.signal, timeUp.signal, anyStop);
  const onSignal = () => {
    if (!interrupted) o.stderr.write('tune: stopping: the candidates in flight are dropped, the finished ones kept; --resume continues\n');
    interrupted = true;
    interrupt.abort();
  };
  const startedMs = Date.now();
  const deadline =
    budget.kind === 'time'
      ? setTimeout(() => {
          outOfTime = true;
          timeUp.abort();
        }, budget.seconds * 1000)
      : null;
  // the cost of a candidate, measured on the ones evaluated here (a time budget's estimate of what still fits)
  let freshCount = 0;
  let freshMs = 0;
  if (o.signals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const spent = new Set<string>();
  let feasibleCount = 0;
  let bestSoFar: Candidate | null = null;
  let lastProgress = 0;
  const host = {
    timed: budget.kind === 'time',
    parallel: Math.max(1, workers),
    remaining: () => {
      if (budget.kind === 'evaluations') return budget.evaluations - spent.size;
      const leftMs = budget.seconds * 1000 - (Date.now() - startedMs);
      if (outOfTime || leftMs <= 0) return 0;
      return freshCount === 0 ? Infinity : Math.floor(leftMs / (Math.max(1, freshMs) / freshCount));
    },
    stopping: () => interrupted || outOfTime,
    async evaluate(values: number[][], phase: string, measure = false): Promise<Candidate[]> {
      const out: (Candidate | null)[] = [];
      const fresh: number[][] = [];
      const wanted = new Set<string>();
      for (const v of values) {
        const c = assess(problem, v, phase, null, null); // for the id only
        if (spent.has(c.id)) out.push(null);
        else if (cache.has(c.id) || spent.size + wanted.size < Math.min(maxEvaluations, o.stopAfter ?? Infinity)) {
          if (!cache.has(c.id) && !wanted.has(c.id)) fresh.push(v);
          wanted.add(c.id);
          out.push(c);
        }
      }
      const t0 = Date.now();
      // a time budget's measuring candidates finish even after the time is up (only Ctrl-C drops them): a run has at least one result
      const signal = measure ? interrupt.signal : anyStop;
      const done = signal.aborted ? [] : await evaluateAll(problem, evaluator, fresh, phase, signal);
      freshMs += Date.now() - t0;
      freshCount += done.length;
      appendCandidates(dir, done);
      for (const c of done) cache.set(c.id, c);
      const result: Candidate[] = [];
      for (const c of out) {
        if (c === null || spent.has(c.id)) continue;
        const got = cache.get(c.id);
        if (got === undefined) continue; // aborted in flight
        spent.add(c.id);
        result.push(got);
        if (got.feasible) feasibleCount++;
        if (better(problem, got, bestSoFar)) bestSoFar = got;
      }
      if (o.stopAfter !== undefined && spent.size >= o.stopAfter) interrupted = true;
      const now = Date.now();
      if (now - lastProgress > 1000 || spent.size >= maxEvaluations) {
        lastProgress = now;
        const of =
          budget.kind === 'evaluations'
            ? `${spent.size}/${budget.evaluations} evaluations`
            : `${spent.size} evaluations in ${((now - startedMs) / 1000).toFixed(1)}/${budget.seconds} s`;
        say(`tune: ${of}, ${feasibleCount} feasible${bestSoFar ? `, best ${describeBest(problem, bestSoFar)}` : ''}`);
      }
      return result;
    },
  };

  try {
    const { strategy, best, evaluated } = await runSearch(problem, host);
    if (deadline !== null) clearTimeout(deadline);
    let sensitivity: BestJson['sensitivity'] = {};
    if (best !== null && !interrupted) sensitivity = await sensitivityAround(problem, evaluator, best, dir, cache);
    const bestJson = best === null ? null : bestReport(problem, best, evaluated, strategy, budget, !interrupted, sensitivity);
    if (bestJson !== null && budget.kind === 'time') bestJson.budgetNote = TIME_BUDGET_NOTE;
    if (bestJson !== null) writeJson(join(dir, BEST_FILE), bestJson);
    if (problem.objective === null) writePareto(dir, problem, paretoSet(problem, evaluated));
    // the chosen candidate's runs for the report's second panel (not after Ctrl-C: that stops now)
    const [bestRuns] = best === null || interrupted ? [null] : await evaluator.evaluate([constantsOf(problem, best.values)]);
    writeTuneReport(dir, problem, evaluated, best, bestRuns ?? null, bestJson?.settings ?? []);
    writeStatus(dir, problem, interrupted ? 'interrupted' : 'complete');
    const lines = finalLines(problem, bestJson, evaluated, dir, interrupted);
    if (budget.kind === 'time') lines.splice(1, 0, `${outOfTime ? 'the time budget ran out' : 'the search ended within its time budget'}; ${TIME_BUDGET_NOTE}`);
    o.stdout.write(`${lines.join('\n')}\n`);
    const exitCode = interrupted ? EXIT_INTERRUPTED : bestJson?.feasible ? EXIT_OK : EXIT_FAILED;
    return { exitCode, dir, best, bestJson, evaluated, problem };
  } finally {
    if (deadline !== null) clearTimeout(deadline);
    if (o.signals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await evaluator.close();
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'none';
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(4);
}

function describeBest(problem: TuneProblem, c: Candidate): string {
  const what = problem.objective ? `${problem.objective.statistic.name} = ${fmt(c.statistics[problem.statistics.indexOf(problem.objective.statistic)] as number)}` : '';
  return `${c.feasible ? 'feasible' : 'infeasible'} ${c.id}${what ? ` (${what})` : ''}`;
}

/** The objective (or, without one, the smallest relative margin) a step up and down each constant changes. */
async function sensitivityAround(problem: TuneProblem, evaluator: Evaluator, best: Candidate, dir: string, cache: Map<string, Candidate>): Promise<BestJson['sensitivity']> {
  const measure = (c: Candidate) => -objectiveKey(problem, c) * (problem.objective?.sense === 'minimize' ? -1 : 1);
  const probes: { path: string; sign: number; values: number[] }[] = [];
  problem.dims.forEach((d, k) => {
    const u = positionOf(d, best.values[k] as number);
    for (const sign of [1, -1]) {
      const values = [...best.values];
      values[k] = valueAt(d, u + sign * stepFor(d, SENSITIVITY_STEP));
      if (values[k] !== best.values[k]) probes.push({ path: d.path, sign, values });
    }
  });
  // a probe the search evaluated already is taken from it (candidates.csv holds each candidate once)
  const ids = probes.map((p) => candidateId(p.values));
  const fresh = probes.filter((_, i) => !cache.has(ids[i] as string));
  const evaluated = await evaluateAll(
    problem,
    evaluator,
    fresh.map((p) => p.values),
    'sensitivity',
  );
  appendCandidates(dir, evaluated);
  for (const c of evaluated) cache.set(c.id, c);
  const done = ids.map((id) => cache.get(id));
  const base = measure(best);
  const out: BestJson['sensitivity'] = {};
  problem.dims.forEach((d, k) => {
    const up = probes.findIndex((p) => p.path === d.path && p.sign === 1);
    const down = probes.findIndex((p) => p.path === d.path && p.sign === -1);
    const change = (i: number) => (i < 0 || done[i]?.error ? null : measure(done[i] as Candidate) - base);
    const stepValue =
      up >= 0
        ? ((probes[up] as { values: number[] }).values[k] as number) - (best.values[k] as number)
        : down >= 0
          ? (best.values[k] as number) - ((probes[down] as { values: number[] }).values[k] as number)
          : 0;
    out[d.path] = { step: stepValue, changeUp: change(up), changeDown: change(down) };
  });
  return out;
}

function bestReport(
  problem: TuneProblem,
  best: Candidate,
  evaluated: Candidate[],
  strategy: Strategy,
  budget: Budget,
  complete: boolean,
  sensitivity: BestJson['sensitivity'],
): BestJson {
  const constants = Object.fromEntries(problem.dims.map((d, i) => [d.path, best.values[i] as number]));
  const statistics = Object.fromEntries(problem.statistics.map((s, i) => [s.name, best.statistics[i] as number]));
  const margins = Object.fromEntries(problem.constraints.map((c, i) => [c.text, best.margins[i] as number]));
  const preset = (problem.rawBase.orchestrator as { preset?: unknown } | undefined)?.preset;
  const settings = settingLines(
    problem.settingsBase,
    problem.dims.map((d, i) => ({ path: d.path, segments: d.segments, value: best.values[i] as number })),
    problem.table.kind === 'fleet' && typeof preset === 'string' ? preset : null,
  );
  const out: BestJson = {
    name: problem.name,
    tune: { file: TUNE_COPY, seed: problem.seed, populationPoints: problem.population.points, replicates: problem.replicates, runs: problem.population.runs },
    strategy,
    budget: budget.kind === 'evaluations' ? budget.evaluations : `${budget.seconds}s`,
    budgetKind: budget.kind,
    evaluations: evaluated.length,
    complete,
    quantiles: QUANTILE_DEFINITION,
    id: best.id,
    constants,
    statistics,
    feasible: best.feasible,
    margins,
    sensitivity,
    sensitivityOf: problem.objective ? problem.objective.statistic.name : 'the smallest margin relative to its limit',
    settings,
  };
  if (!best.feasible) {
    // best is the candidate with the smallest total shortfall; of its unmet constraints, the one short by the least
    const rel = problem.constraints.map((c, i) => relativeMargin(c, best.margins[i] as number));
    const unmet = problem.constraints.map((c, i) => ({ c, i, r: rel[i] as number })).filter((x) => !(x.r >= 0));
    const closest = unmet.reduce((a, b) => (b.r > a.r ? b : a), unmet[0] ?? { c: problem.constraints[0], i: 0, r: NaN });
    out.closest = {
      candidate: best.id,
      constraint: closest.c?.text ?? best.error ?? '',
      shortBy: -(best.margins[closest.i] as number),
      violated: unmet.map((x) => x.c.text),
    };
  }
  return out;
}

function finalLines(problem: TuneProblem, best: BestJson | null, evaluated: Candidate[], dir: string, interrupted: boolean): string[] {
  const lines: string[] = [];
  const feasible = evaluated.filter((c) => c.feasible).length;
  lines.push(
    `tune ${problem.name}: ${evaluated.length} candidates (${best?.strategy === 'grid' ? 'the whole grid' : 'Latin hypercube, then pattern search'}), ${feasible} feasible${interrupted ? '; interrupted: --resume continues' : ''} -> ${dir}`,
  );
  if (best === null) {
    lines.push('no candidate was evaluated');
    return lines;
  }
  const stats = Object.entries(best.statistics).map(([k, v]) => `${k} = ${fmt(v)}`);
  lines.push(`statistics over ${best.tune.runs} runs: ${stats.join(', ')}`);
  if (!best.feasible) {
    const n = best.closest;
    lines.push(`infeasible: no candidate meets every constraint`);
    if (n) lines.push(`closest to being met: "${n.constraint}" (short by ${fmt(n.shortBy)}); unmet by the closest candidate ${n.candidate}: ${n.violated.join('; ')}`);
    lines.push(
      `closest candidate ${best.id}: ${Object.entries(best.constants)
        .map(([k, v]) => `${k} = ${fmt(v)}`)
        .join(', ')}`,
    );
    return lines;
  }
  lines.push(
    `margins: ${Object.entries(best.margins)
      .map(([k, v]) => `${k} (by ${fmt(v)})`)
      .join('; ')}`,
  );
  lines.push(interrupted ? `best so far (${best.id}; the search is not finished):` : `recommended constants (${best.id}):`);
  for (const l of best.settings) lines.push(`  ${l}`);
  return lines;
}

export interface CheckOptions {
  bestFile: string;
  seed?: number;
  workers?: number;
  stdout: Writable;
  stderr: Writable;
}

/** Re-run best.json's constants over a fresh population draw: 0 when every constraint still holds, 1 otherwise. */
export async function checkBest(o: CheckOptions): Promise<{ exitCode: number; candidate: Candidate; seed: number }> {
  let best: BestJson;
  try {
    best = JSON.parse(readFileSync(o.bestFile, 'utf8')) as BestJson;
  } catch (e) {
    throw new InputError(o.bestFile, [{ path: '', message: `expected the best.json of a tune run, ${(e as Error).message}` }]);
  }
  if (typeof best?.constants !== 'object' || typeof best.tune?.file !== 'string')
    throw new InputError(o.bestFile, [{ path: '', message: 'expected the best.json of a tune run (with constants and tune.file)' }]);
  const source = readTune(resolve(dirname(o.bestFile), best.tune.file));
  const tunedWith = source.spec.seed ?? 1;
  const seed = o.seed ?? (tunedWith + 1) % 2 ** 32;
  // the fresh draw: the runs' seeds and the population's distributions
  const tuned = resolveTune(source, seed);
  // a constraint's headroom is for the search: the fresh draw is held to the limit as written
  const problem = { ...tuned, constraints: tuned.constraints.map((c) => ({ ...c, limit: c.target })) };
  const values = problem.dims.map((d) => {
    const v = best.constants[d.path];
    if (typeof v !== 'number') throw new InputError(o.bestFile, [{ path: `constants.${d.path}`, message: `missing; expected the value of ${d.path} in base units` }]);
    return v;
  });
  const evaluator = createEvaluator(problem.population.items(seed), o.workers ?? availableParallelism(), problem.table);
  try {
    const [c] = await evaluateAll(problem, evaluator, [values], 'check');
    const cand = c as Candidate;
    const lines = [
      `check ${problem.name} ${cand.id} with seed ${seed}${seed === problem.seed ? ' (the seed it was tuned with: not a fresh draw)' : ` (tuned with seed ${problem.seed})`}, ${problem.population.runs} runs:`,
    ];
    problem.constraints.forEach((k, i) => {
      const v = cand.statistics[problem.statistics.findIndex((s) => s.name === k.statistic.name)] as number;
      const holds = relativeMargin(k, cand.margins[i] as number) >= 0 && (k.op === '<=' || k.op === '>=' || (cand.margins[i] as number) > 0);
      lines.push(`  ${holds ? 'holds' : 'FAILS'}: ${k.text}: ${k.statistic.name} = ${fmt(v)} (at tuning: ${fmt(best.statistics[k.statistic.name] ?? NaN)})`);
    });
    if (problem.objective) {
      const name = problem.objective.statistic.name;
      lines.push(`  objective ${name} = ${fmt(cand.statistics[problem.statistics.findIndex((s) => s.name === name)] as number)} (at tuning: ${fmt(best.statistics[name] ?? NaN)})`);
    }
    lines.push(
      cand.feasible ? 'every constraint still holds' : `constraints fail on the fresh draw: the recommendation is tuned to its sample (shortfall ${fmt(violation(problem, cand))})`,
    );
    o.stdout.write(`${lines.join('\n')}\n`);
    return { exitCode: cand.feasible ? EXIT_OK : EXIT_FAILED, candidate: cand, seed };
  } finally {
    await evaluator.close();
  }
}
