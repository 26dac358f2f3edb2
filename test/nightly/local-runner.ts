/**
 * A GitHub Actions job run on this machine, as far as the nightly workflow
 * needs it: `${{ }}` expressions over matrix, env, steps, vars, runner and
 * github; `if:` conditions (==, !=, &&, ||, parentheses, always()); every
 * `run:` in bash -eo pipefail from the package root with the workflow's env,
 * $GITHUB_STEP_SUMMARY, $GITHUB_OUTPUT and $RUNNER_TEMP; upload-artifact and
 * download-artifact as copies into a local artifact store; checkout,
 * setup-node and cache as no-ops. `run:` commands listed in `skip` are not
 * run (the test says why).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { PACKAGE_ROOT } from '../../src/sweep/output.js';

export interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number>;
}

export interface Job {
  steps: Step[];
}

export interface JobRun {
  /** the job failed (a step exited with non-zero) */
  failed: boolean;
  /** what each step did: `ran`, `skipped: <why>`, `failed: <exit code>` */
  log: string[];
  summary: string;
  outputs: Record<string, Record<string, string>>;
  stderr: string;
}

export interface RunnerContext {
  env: Record<string, string>;
  matrix: Record<string, string>;
  vars: Record<string, string>;
  /** the artifact store shared by the jobs of one workflow run */
  artifacts: string;
  /** $RUNNER_TEMP */
  temp: string;
  /** `run:` texts not run, with the reason */
  skip: Map<string, string>;
}

type Scope = { ctx: RunnerContext; outputs: Record<string, Record<string, string>>; failed: boolean };

/** The value of one `${{ }}` operand: a quoted literal or a context path. */
function operand(text: string, s: Scope): string {
  const t = text.trim();
  const quoted = /^'(.*)'$/.exec(t);
  if (quoted) return quoted[1] ?? '';
  const [head, first = '', second = '', third = ''] = t.split('.');
  if (head === 'matrix') return s.ctx.matrix[first] ?? '';
  if (head === 'env') return s.ctx.env[first] ?? '';
  if (head === 'vars') return s.ctx.vars[first] ?? '';
  if (head === 'steps' && second === 'outputs') return s.outputs[first]?.[third] ?? '';
  if (t === 'runner.name') return 'local';
  if (t === 'runner.temp') return s.ctx.temp;
  if (t === 'github.run_id') return '1';
  throw new Error(`local runner: unknown expression '${t}'`);
}

/** Evaluate an expression: ||, &&, ==, !=, parentheses, always(), success(), operands. Strings stand for themselves ('' is false). */
export function evaluate(expr: string, s: Scope): string | boolean {
  const tokens = expr.match(/'[^']*'|\(|\)|\|\||&&|==|!=|[A-Za-z_][\w.-]*(\(\))?/g) ?? [];
  let i = 0;
  const truthy = (v: string | boolean) => v !== false && v !== '';
  const primary = (): string | boolean => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`local runner: '${expr}' ends early`);
    if (t === '(') {
      const v = or();
      i++; // ')'
      return v;
    }
    if (t === 'always()') return true;
    if (t === 'success()') return !s.failed;
    if (t === 'failure()') return s.failed;
    return operand(t ?? '', s);
  };
  const compare = (): string | boolean => {
    const a = primary();
    if (tokens[i] === '==' || tokens[i] === '!=') {
      const op = tokens[i++];
      const b = primary();
      return op === '==' ? String(a) === String(b) : String(a) !== String(b);
    }
    return a;
  };
  const and = (): string | boolean => {
    let v = compare();
    while (tokens[i] === '&&') {
      i++;
      const w = compare();
      v = truthy(v) ? w : v;
    }
    return v;
  };
  const or = (): string | boolean => {
    let v = and();
    while (tokens[i] === '||') {
      i++;
      const w = and();
      v = truthy(v) ? v : w;
    }
    return v;
  };
  const v = or();
  if (i !== tokens.length) throw new Error(`local runner: cannot read '${expr}'`);
  return v;
}

function expand(text: string, s: Scope): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => String(evaluate(e, s)));
}

/** Whether a step runs: `if:` (without status functions, success() is implied), and not after a failure unless always(). */
function shouldRun(step: Step, s: Scope): boolean {
  if (step.if === undefined) return !s.failed;
  const cond = step.if.replace(/^\$\{\{\s*|\s*\}\}$/g, '');
  const status = /always\(\)|failure\(\)|success\(\)/.test(cond);
  const v = evaluate(cond, s);
  return (status || !s.failed) && v !== false && v !== '';
}

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((f) => files(join(path, f)));
}

/** upload-artifact: the files of every path line, relative to their least common folder (as actions/upload-artifact stores them). */
function upload(w: Record<string, string | number>, s: Scope): void {
  const paths = String(w.path)
    .split('\n')
    .map((l) => expand(l.trim(), s))
    .filter(Boolean);
  const all = paths.flatMap((p) => files(p.startsWith('/') ? p : join(PACKAGE_ROOT, p)));
  if (all.length === 0) {
    if (w['if-no-files-found'] === 'error') throw new Error(`upload-artifact: no files at ${paths.join(', ')}`);
    return;
  }
  const roots = paths.map((p) => (p.startsWith('/') ? p : join(PACKAGE_ROOT, p))).map((p) => (existsSync(p) && statSync(p).isDirectory() ? p : dirname(p)));
  let common = roots[0] ?? PACKAGE_ROOT;
  while (!roots.every((r) => r === common || r.startsWith(common + sep))) common = dirname(common);
  const target = join(s.ctx.artifacts, expand(String(w.name), s));
  for (const f of all) {
    const to = join(target, relative(common, f));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(f, to);
  }
}

/** download-artifact with a pattern: each matching artifact into <path>/<name>/. */
function download(w: Record<string, string | number>, s: Scope): void {
  const pattern = new RegExp(
    `^${expand(String(w.pattern), s)
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  const base = expand(String(w.path), s);
  const into = base.startsWith('/') ? base : join(PACKAGE_ROOT, base);
  for (const name of existsSync(s.ctx.artifacts) ? readdirSync(s.ctx.artifacts) : []) {
    if (pattern.test(name)) cpSync(join(s.ctx.artifacts, name), join(into, name), { recursive: true });
  }
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/** Variables that would make a sweep a shard: never inherited from the test's own environment. */
export const SHARD_ENV = ['JOB_COMPLETION_INDEX', 'MIGSWEEP_SHARD_COUNT', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_COUNT'];

/** Run one job of a workflow (one matrix combination). */
export async function runJob(job: Job, ctx: RunnerContext): Promise<JobRun> {
  const s: Scope = { ctx, outputs: {}, failed: false };
  mkdirSync(ctx.temp, { recursive: true });
  const tag = Object.values(ctx.matrix).join('-') || 'job';
  const summaryFile = join(ctx.temp, `summary-${tag}-${Date.now()}-${Math.random().toString(36).slice(2)}.md`);
  writeFileSync(summaryFile, '');
  const log: string[] = [];
  let stderr = '';
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SHARD_ENV.includes(k)));
  for (const step of job.steps) {
    const what = step.name ?? step.uses ?? step.run ?? '?';
    if (!shouldRun(step, s)) {
      log.push(`skipped: ${what}`);
      continue;
    }
    if (step.uses !== undefined) {
      const action = step.uses.replace(/@.*$/, '');
      if (action === 'actions/upload-artifact') upload(step.with ?? {}, s);
      else if (action === 'actions/download-artifact') download(step.with ?? {}, s);
      else if (!['actions/checkout', 'actions/setup-node', 'actions/cache/restore', 'actions/cache/save'].includes(action))
        throw new Error(`local runner: no stand-in for ${step.uses}`);
      log.push(`ran: ${what}`);
      continue;
    }
    const script = expand(step.run ?? '', s);
    const why = ctx.skip.get(script.trim());
    if (why !== undefined) {
      log.push(`skipped: ${script.trim()} (${why})`);
      continue;
    }
    const outputFile = join(ctx.temp, `output-${tag}-${step.id ?? log.length}`);
    writeFileSync(outputFile, '');
    const r = await bash(script, { ...inherited, ...ctx.env, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_OUTPUT: outputFile, RUNNER_TEMP: ctx.temp, CI: 'true' });
    stderr += r.stderr;
    if (step.id !== undefined) {
      s.outputs[step.id] = Object.fromEntries(
        readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    }
    if (r.code !== 0) {
      s.failed = true;
      log.push(`failed (${r.code}): ${what}`);
    } else log.push(`ran: ${what}`);
  }
  return { failed: s.failed, log, summary: readFileSync(summaryFile, 'utf8'), outputs: s.outputs, stderr };
}
