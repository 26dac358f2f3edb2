import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { compareBench } from '../compare/bench.js';
import { compareRuns } from '../compare/compare-runs.js';
import { EXPORTERS, type ExportFormat } from '../compare/export/index.js';
import { DEFAULT_ALPHA, DEFAULT_BENCH_THRESHOLD, DEFAULT_METRICS, DEFAULT_THRESHOLD, parseAlpha, parseMetrics, parseThreshold } from '../compare/metrics.js';
import { InputError } from '../common/errors.js';

interface CompareFlags {
  json?: boolean;
  markdown?: boolean;
  threshold?: string;
  alpha?: string;
  metrics: string[];
  out?: string;
  bench?: boolean;
  sameMachine?: boolean;
  allowChangedSettings?: boolean;
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two runs of one sweep scenario by scenario (or, with --bench, two bench results); exit 1 when something regressed')
    .argument('<baseline>', 'the baseline run folder (e.g. results/baseline/default), or with --bench its bench JSON')
    .argument('<candidate>', 'the candidate run folder, or with --bench its bench JSON (results/bench/latest.json)')
    .option('--json', 'print the whole comparison as JSON')
    .option('--markdown', 'print markdown (for a CI job summary, $GITHUB_STEP_SUMMARY)')
    .option('--threshold <share>', `smallest relative change of a mean worth reporting (default ${DEFAULT_THRESHOLD * 100}%, with --bench ${DEFAULT_BENCH_THRESHOLD * 100}%)`)
    .option('--alpha <rate>', `chance of any false alarm over the noisy comparisons, Holm-corrected (default ${DEFAULT_ALPHA})`)
    .addOption(
      new Option('--metrics <names>', 'metrics to compare, comma-separated or repeated; the outcome is always compared').argParser(collect).default([], DEFAULT_METRICS.join(',')),
    )
    .option('--out <file>', "also write the comparison as JSON to this file; as <candidate>/compare.json the candidate's report draws it")
    .option('--allow-changed-settings', "compare runs whose sweep files differ in a fixed setting (the base or a variant's set), when that difference is what you measure")
    .option('--bench', 'compare two results of npm run bench (github-action-benchmark format)')
    .option('--same-machine', 'with --bench: both results come from one machine, so absolute speeds are gated too, not only ratios')
    .action(async (baseline: string, candidate: string, opts: CompareFlags) => {
      if (opts.json && opts.markdown) throw new InputError('--json', [{ path: '', message: '--json and --markdown each choose the output; give one of them' }]);
      const format: ExportFormat = opts.json ? 'json' : opts.markdown ? 'markdown' : 'table';
      let text: string;
      let json: string;
      let exitCode: number;
      if (opts.bench) {
        if (opts.metrics.length > 0 || opts.alpha !== undefined || opts.allowChangedSettings)
          throw new InputError('--bench', [{ path: '', message: 'compares bench figures: --metrics, --alpha and --allow-changed-settings apply to run folders only' }]);
        const c = compareBench(baseline, candidate, opts.threshold === undefined ? DEFAULT_BENCH_THRESHOLD : parseThreshold(opts.threshold), opts.sameMachine === true);
        text = EXPORTERS[format].bench(c);
        json = EXPORTERS.json.bench(c);
        exitCode = c.exitCode;
      } else {
        if (opts.sameMachine)
          throw new InputError('--same-machine', [
            { path: '', message: 'applies to --bench only: run folders are compared on their simulated numbers, which do not depend on the machine' },
          ]);
        const c = await compareRuns(baseline, candidate, {
          threshold: opts.threshold === undefined ? DEFAULT_THRESHOLD : parseThreshold(opts.threshold),
          alpha: opts.alpha === undefined ? DEFAULT_ALPHA : parseAlpha(opts.alpha),
          metrics: opts.metrics.length > 0 ? parseMetrics(opts.metrics) : [...DEFAULT_METRICS],
          allowChangedSettings: opts.allowChangedSettings === true,
        });
        text = EXPORTERS[format].runs(c);
        json = EXPORTERS.json.runs(c);
        exitCode = c.exitCode;
      }
      if (opts.out !== undefined) {
        try {
          writeFileSync(opts.out, json);
        } catch (e) {
          throw new InputError(opts.out, [{ path: '', message: `cannot write the comparison: ${(e as Error).message}` }]);
        }
      }
      process.stdout.write(text);
      process.exitCode = exitCode;
    });
}
