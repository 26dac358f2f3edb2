import type { Command } from 'commander';
import { relative, isAbsolute } from 'node:path';
import type { ReportOutcome, writeReport as WriteReport } from '../report/index.js';
import type { AfterSweepHook } from '../sweep/hooks.js';
import { SummaryWatch } from '../report/summary-watch.js';
import type { Manifest } from '../report/types.js';
import { EXIT_BAD_INPUT } from './exit-codes.js';

/** A path relative to the current folder when it lies below it (what people paste into a browser or a shell). */
function shown(p: string): string {
  const rel = relative(process.cwd(), p);
  return isAbsolute(p) && !rel.startsWith('..') ? rel : p;
}

/**
 * The report writer, loaded when first needed: it brings vega and
 * vega-lite, about half of the CLI's start-up time, which a sweep without
 * a report, a run or a tune never use. A sweep starts loading it when it
 * starts, while the workers warm up.
 */
let reportModule: Promise<{ writeReport: typeof WriteReport }> | null = null;
function loadReport(): Promise<{ writeReport: typeof WriteReport }> {
  reportModule ??= import('../report/index.js');
  return reportModule;
}

/** What the report could not draw, on stderr, one line each. */
function warn(out: ReportOutcome): void {
  for (const s of out.skipped) process.stderr.write(`migsweep: report: chart ${s.name} not drawn: ${s.reason}\n`);
}

/**
 * After a sweep or merge (the CLI passes it to them): write the report; the
 * sweep's last line names its index.html. A sweep that runs on one machine
 * lets it read summary.csv's rows as they are written (SummaryWatch).
 */
export function reportAfterSweep(): AfterSweepHook {
  const watches = new Map<string, SummaryWatch>();
  const hook: AfterSweepHook = async (runDir) => {
    const { writeReport } = await loadReport();
    const out = await writeReport(runDir, { collected: watches.get(runDir)?.collected() ?? undefined });
    watches.delete(runDir);
    warn(out);
    return out.index;
  };
  hook.watch = (runDir, summaryHeader, manifest) => {
    void loadReport();
    const w = new SummaryWatch(manifest as unknown as Manifest, summaryHeader);
    watches.set(runDir, w);
    return w;
  };
  return hook;
}

/** `migsweep report <run-dir>`, and the report after every `migsweep sweep` / `merge`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the charts (Vega-Lite specs and SVG) and index.html of a finished sweep into its folder')
    .argument('<run-dir>', 'the run folder, e.g. results/default/<run-id>')
    .option('--png', 'also write each chart as PNG')
    .action(async (dir: string, opts: { png?: boolean }) => {
      const { writeReport } = await loadReport();
      const out = await writeReport(dir, { png: opts.png });
      warn(out);
      process.stdout.write(`report: ${shown(out.index)}\n`);
      if (out.problems) {
        process.stderr.write(`migsweep: ${out.problems.message.split('\n').join('\nmigsweep: ')}\n`);
        process.exitCode = EXIT_BAD_INPUT;
      }
    });
}
