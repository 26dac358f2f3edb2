/**
 * The GitHub workflows: they parse, they have the jobs the nightly needs,
 * and every command of the nightly runs here, job by job, with the matrix
 * filled in and the artifacts handed from job to job (test/nightly/local-runner.ts):
 * shards, merge, compare with a baseline, job summary, report, artifacts, the bench gate.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../src/sweep/output.js';
import { migsweep, tempDir } from '../sweep/helpers.js';
import { MiB, scale } from '../compare/helpers.js';
import { runJob, type Job, type RunnerContext } from './local-runner.js';

const WORKFLOWS = join(PACKAGE_ROOT, '.github', 'workflows');

type WorkflowJob = Job & {
  needs?: string;
  if?: string;
  strategy?: { matrix: Record<string, (string | number)[]>; 'fail-fast'?: boolean };
  container?: string;
  'runs-on': string;
};

interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string | number>;
  /** the jobs of ci.yml (test) and nightly.yml (shard, merge, bench): each test reads the ones its file has */
  jobs: Record<'test' | 'shard' | 'merge' | 'bench', WorkflowJob>;
}

const read = (name: string) => parse(readFileSync(join(WORKFLOWS, name), 'utf8')) as Workflow;
const job = (w: Workflow, name: keyof Workflow['jobs']) => {
  const j = w.jobs[name];
  assert.ok(j, `the workflow has a job '${name}'`);
  return j;
};
const runs = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps.filter((s) => s.run !== undefined).map((s) => s.run!.trim()));

describe('the workflow files', () => {
  test('ci.yml: on pull requests, .ci/run (not a copy of its steps) in Debian containers of Node 20, 22 and 24, none cancelling the others', () => {
    const ci = read('ci.yml');
    assert.ok('pull_request' in ci.on);
    const job = ci.jobs.test;
    assert.equal(job.container, 'node:${{ matrix.node }}-bookworm');
    assert.deepEqual(job.strategy!.matrix.node, [20, 22, 24]);
    assert.equal(job.strategy!['fail-fast'], false);
    assert.deepEqual(runs(ci), ['bash .ci/run']);
  });

  test('.ci/run: Debian packages from scripts/ci-install-*.sh, npm ci, lint, the Slurm recipe end to end, then the tests last', () => {
    const lines = readFileSync(join(PACKAGE_ROOT, '.ci', 'run'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const at = (command: string) => {
      const i = lines.findIndex((l) => l.startsWith(command));
      assert.ok(i >= 0, `.ci/run runs ${command}`);
      return i;
    };
    const order = ['for s in scripts/ci-install-*.sh', 'npm ci', 'npm run lint --if-present', 'bash scripts/ci-slurm-e2e.sh', 'npm test'].map(at);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'in this order',
    );
    assert.equal(lines.at(-1), 'npm test', "node's test summary is the last thing CI prints");
    for (const script of ['ci-install-chromium.sh', 'ci-install-qemu.sh', 'ci-install-slurm.sh', 'ci-slurm-e2e.sh'])
      assert.ok(existsSync(join(PACKAGE_ROOT, 'scripts', script)), script);
  });

  test('nightly.yml: on a schedule and on demand; a matrix of shards, a merge job per sweep, the bench', () => {
    const n = read('nightly.yml');
    assert.ok(Array.isArray(n.on.schedule) && 'workflow_dispatch' in n.on);
    const matrix = job(n, 'shard').strategy!.matrix;
    assert.deepEqual(matrix.sweep, ['default', 'guestperf']);
    assert.deepEqual(
      matrix.shard,
      Array.from({ length: Number(n.env!.SHARDS) }, (_, k) => k),
      'matrix.shard must list 0 .. SHARDS-1',
    );
    assert.equal(job(n, 'merge').needs, 'shard');
    assert.deepEqual(job(n, 'merge').strategy!.matrix.sweep, matrix.sweep);
    // a failed shard fails neither the other shards nor the other sweep's merge, compare and summary
    assert.equal(job(n, 'shard').strategy!['fail-fast'], false);
    assert.equal(job(n, 'merge').strategy!['fail-fast'], false);
    assert.equal(job(n, 'merge').if, '${{ !cancelled() }}', 'the merges run once the shards have ended, whatever their outcome');
    assert.deepEqual(Object.keys(n.jobs), ['shard', 'merge', 'bench']);
    for (const [, job] of Object.entries(n.jobs))
      for (const s of job.steps) if (s.uses) assert.match(s.uses, /^actions\/[\w/-]+@v\d+$/, `${s.uses}: an official action, pinned to a major version`);
  });
});

describe('the nightly, run here', () => {
  const dir = tempDir();
  const nightly = read('nightly.yml');
  // the matrix's guestperf row (40 tasks; default runs the same commands on 468), in 2 shards rather than 4: every command, the merge, the compare
  const sweep = 'guestperf';
  const shards = [0, 1];
  let jobs = 0;
  // each job on a machine of its own, as on GitHub: its own $OUT; what crosses jobs goes through the artifacts
  const ctx = (matrix: Record<string, string | number>, over: Partial<RunnerContext> = {}): RunnerContext => ({
    env: {
      ...Object.fromEntries(Object.entries(nightly.env ?? {}).map(([k, v]) => [k, String(v)])),
      SHARDS: String(shards.length),
      BASELINE: join(dir, 'baseline'),
      OUT: join(dir, `job-${++jobs}`, 'nightly'),
      BENCH_OUT: join(dir, 'bench'),
    },
    matrix: Object.fromEntries(Object.entries(matrix).map(([k, v]) => [k, String(v)])),
    vars: {},
    artifacts: join(dir, 'artifacts'),
    temp: join(dir, 'runner-temp'),
    // npm ci is what made this test's dist/; npm run bench takes minutes (its figures are stood in for below)
    skip: new Map([
      ['npm ci', 'done before the tests'],
      ['npm run bench -- --out "$BENCH_OUT"', 'minutes long: a bench result is written instead'],
    ]),
    ...over,
  });

  before(async () => {
    // the committed baseline's stand-in: the same command, today's code, into a temporary folder
    const b = migsweep(['baseline', 'update', '--dir', join(dir, 'baseline'), '--sweep', sweep]);
    assert.equal(b.code, 0, b.err);
    const runs = await Promise.all(shards.map((shard) => runJob(job(nightly, 'shard'), ctx({ sweep, shard }))));
    for (const r of runs) assert.equal(r.failed, false, `${r.log.join('\n')}\n${r.stderr}`);
  });

  test('the merge job joins the shards, finds nothing against a baseline of the same code, writes the job summary and publishes the report with the compare chart', async () => {
    const r = await runJob(job(nightly, 'merge'), ctx({ sweep }));
    assert.equal(r.failed, false, `${r.log.join('\n')}\n${r.stderr}`);
    assert.equal(r.outputs.compare?.code, '0');
    assert.match(r.summary, /^### :white_check_mark: migsweep compare guestperf: no regression/);
    assert.ok(r.log.includes('skipped: fail on a regression or bad input'));
    const artifact = join(dir, 'artifacts', 'nightly-guestperf');
    for (const f of ['runs.csv', 'summary.csv', 'manifest.json', 'compare.json', 'index.html', 'charts/compare.svg']) assert.ok(existsSync(join(artifact, f)), f);
    assert.equal(readFileSync(join(artifact, 'runs.csv'), 'utf8'), readFileSync(join(dir, 'baseline', 'guestperf', 'runs.csv'), 'utf8'), 'merged shards = one machine');
  });

  test("a shard that failed: its sweep's merge fails saying which shard is missing, in the job summary, and compares nothing", async () => {
    // the artifacts of a run in which shard 1 of guestperf failed (it uploaded nothing)
    const artifacts = join(dir, 'artifacts-shard-failed');
    cpSync(join(dir, 'artifacts', 'shard-guestperf-0'), join(artifacts, 'shard-guestperf-0'), { recursive: true });
    const r = await runJob(job(nightly, 'merge'), ctx({ sweep }, { artifacts }));
    assert.equal(r.failed, true);
    assert.match(
      r.log.find((l) => l.includes('merge the shards'))!,
      /^failed \(2\): /,
    );
    assert.match(r.summary, /^### :x: migsweep merge guestperf failed \(exit 2\): no comparison\n\n```\n.*shard 1\/2 missing: 2 shards make this sweep, 1 given/);
    assert.ok(r.log.includes('skipped: compare with the committed baseline'));
    assert.ok(!existsSync(join(artifacts, 'nightly-guestperf', 'runs.csv')), 'no merged runs published');
  });

  test('a regression: the summary says what got worse, the report and artifacts are still published, then the job fails', async () => {
    // a baseline in which the downtime without a strategy was half what the code gives now
    scale(join(dir, 'baseline', sweep), 'no-strategy', 256 * MiB, 'downtimeMs', 0.5);
    rmSync(join(dir, 'artifacts', 'nightly-guestperf'), { recursive: true });
    const r = await runJob(job(nightly, 'merge'), ctx({ sweep }));
    assert.equal(r.failed, true);
    assert.equal(r.outputs.compare?.code, '1');
    assert.match(r.summary, /^### :x: migsweep compare guestperf: 1 regression/);
    assert.match(r.summary, /\n\| no-strategy, dirty rate 256 MiB\/s \| downtime \| 234\.5 ms \| 468\.9 ms \| \+100\.0% \| exact \|\n/);
    assert.match(r.log.at(-1)!, /^failed \(1\): fail on a regression or bad input/);
    assert.ok(existsSync(join(dir, 'artifacts', 'nightly-guestperf', 'charts', 'compare.svg')));
  });

  test('the bench job gates on the ratios within the run: the same figures pass, a slower harness fails', async () => {
    const figures = (overhead: number) => [
      { name: 'sweep speedup / machine ceiling', unit: 'x', value: 0.97, biggerIsBetter: true, scope: 'run' },
      { name: 'sweep harness overhead vs engine alone', unit: '%', value: overhead, biggerIsBetter: false, scope: 'run' },
      { name: 'sweep 200,000 tasks, 1 worker', unit: 'tasks/s', value: 5000, biggerIsBetter: true, scope: 'machine' },
    ];
    mkdirSync(join(dir, 'bench'), { recursive: true });
    writeFileSync(join(dir, 'baseline', 'bench.json'), JSON.stringify(figures(20)));
    writeFileSync(join(dir, 'bench', 'latest.json'), JSON.stringify(figures(20)));
    const ok = await runJob(job(nightly, 'bench'), ctx({}));
    assert.equal(ok.failed, false, `${ok.log.join('\n')}\n${ok.stderr}`);
    assert.match(ok.summary, /^### :white_check_mark: migsweep bench: no speed regression beyond 10% \(2 gated figures\)/);
    assert.ok(existsSync(join(dir, 'artifacts', 'bench', 'latest.json')));

    writeFileSync(join(dir, 'bench', 'latest.json'), JSON.stringify(figures(45)));
    const slow = await runJob(job(nightly, 'bench'), ctx({}));
    assert.equal(slow.failed, true);
    assert.match(slow.summary, /^### :x: migsweep bench: 1 speed regression beyond 10%/);
  });

  test('with BENCH_SAME_MACHINE the absolute figures are gated on the previous night of the same runner', async () => {
    const same = (v: Partial<RunnerContext>) => ctx({}, { vars: { BENCH_SAME_MACHINE: 'true' }, temp: join(dir, 'runner-temp-same'), ...v });
    const first = await runJob(job(nightly, 'bench'), same({}));
    assert.equal(first.failed, true, 'the harness overhead is still 45%');
    const previous = join(dir, 'runner-temp-same', 'bench-previous', 'latest.json');
    assert.ok(existsSync(previous));
    const figures = JSON.parse(readFileSync(previous, 'utf8')) as { value: number }[];
    figures[1]!.value = 20;
    writeFileSync(previous, JSON.stringify(figures));
    writeFileSync(join(dir, 'bench', 'latest.json'), JSON.stringify(figures.map((f, i) => (i === 2 ? { ...f, value: 2500 } : f))));
    const second = await runJob(job(nightly, 'bench'), same({}));
    assert.equal(second.failed, true);
    assert.match(second.summary, /no speed regression beyond 10%[\s\S]*### :x: migsweep bench: 1 speed regression beyond 10%/);
  });
});
