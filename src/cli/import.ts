/**
 * `migsweep import <file>`: real measurements (a guestperf report,
 * query-migrate or query-dirty-rate replies, virsh domjobinfo text) into a
 * trace workload CSV, and the scenario that replays it (docs/import.md).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../common/errors.js';
import { formatRate } from '../common/format.js';
import { parseTrace } from '../scenario/trace-file.js';
import { importFile, parseFormatOption } from '../import/import-file.js';
import { DEFAULT_PAGE_BYTES } from '../import/imported.js';
import { scenarioSnippet } from '../import/scenario-snippet.js';
import { traceCsv } from '../import/trace-rows.js';

/** `vm17-qmp.log` -> `vm17-qmp.trace.csv` in the working folder. */
export function defaultOut(file: string): string {
  return `${basename(file, extname(file))}.trace.csv`;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('turn real dirty-rate measurements into a trace workload CSV (docs/import.md)')
    .argument('<file>', 'a guestperf JSON report, a log of query-migrate or query-dirty-rate replies, or virsh domjobinfo text')
    .option('--out <trace.csv>', 'where to write the trace (default: <file name>.trace.csv in the working folder)')
    .option('--format <format>', 'auto | guestperf | qmp | dirty-rate | domjobinfo', 'auto')
    .action((file: string, opts: { out?: string; format: string }) => {
      const format = parseFormatOption(opts.format);
      const out = opts.out ?? defaultOut(file);
      if (resolve(out) === resolve(file)) throw new InputError('--out', [{ path: '', message: `${out} is the input file: expected another file for the trace` }]);
      const imported = importFile(file, format);
      const csv = traceCsv(imported.rows, [
        `imported by migsweep import from ${basename(file)} (${imported.format}); t in s, dirtyRate in bytes/s`,
        'rates are unique pages dirtied per QEMU sync period (docs/import.md), not writes',
        ...imported.notes,
      ]);
      // the engine's own reader must accept what we write
      const check = parseTrace(out, csv, imported.pageBytes ?? DEFAULT_PAGE_BYTES);
      if (!check.ok) throw new Error(`import produced a trace the reader refuses: ${check.problem}`);
      const existed = existsSync(out);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, csv);
      const rates = imported.rows.map((r) => r.bytesPerSec);
      const lastT = imported.rows[imported.rows.length - 1]?.tS ?? 0;
      const scenarioFile = join(dirname(out), `${basename(out, '.trace.csv').replace(/\.csv$/, '')}.yaml`);
      const rel = relative(process.cwd(), scenarioFile);
      const shown = rel === '' || rel.startsWith('..') ? scenarioFile : rel;
      process.stdout.write(
        [
          `format:   ${imported.format}${imported.detected ? ' (detected)' : ' (--format)'}`,
          ...imported.notes.map((n) => `          ${n}`),
          `trace:    ${out}${existed ? ' (replaced)' : ''}: ${imported.rows.length} phases over ${lastT} s, ${formatRate(Math.min(...rates))} to ${formatRate(Math.max(...rates))}`,
          '',
          `Save as ${shown} (beside the trace) and set your guest and link:`,
          '',
          scenarioSnippet(out, imported.pageBytes),
          `then:     npx migsweep run ${shown}`,
          `sweep:    put the same workload in a sweep file with a policy axis (docs/import.md)`,
          '',
        ].join('\n'),
      );
    });
}
