/** One measured figure, in github-action-benchmark's custom format (`name`, `unit`, `value`, optional `extra`). */
export interface BenchRow {
  name: string;
  unit: string;
  value: number;
  /** for the CI's comparison: true when a larger value is better */
  biggerIsBetter: boolean;
  /** what was measured, in words (shown in the table and kept in the JSON) */
  extra?: string;
  /**
   * `run`: a ratio of two measurements made in this run (2 workers vs 1,
   * harness vs engine alone), comparable across machines, so
   * `migsweep compare --bench` gates it; `machine` (the default): an
   * absolute figure (tasks/s, seconds, MiB) that only the same machine can
   * compare (gated with --same-machine).
   */
  scope?: 'run' | 'machine';
  /** the command that reproduces this figure (default: `npm run bench -- <module>`), shown in the generated tables */
  command?: string;
}

/** What every bench/*.bench.ts module exports. */
export type BenchModule = { run(): Promise<BenchRow[]> };

/** `npm run bench -- --quick` sets this: modules may measure less (a smoke check, not the reference figures). */
export const QUICK_ENV = 'MIGSWEEP_BENCH_QUICK';

/** `npm run bench -- --ten-million` sets this: bench/commands.bench.ts also runs the 10,000,000-task sweep (minutes). */
export const TEN_MILLION_ENV = 'MIGSWEEP_BENCH_TEN_MILLION';
