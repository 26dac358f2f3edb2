/**
 * `npm run bench`: runs every bench/*.bench.ts module (each exports
 * `run(): Promise<BenchRow[]>`), prints one table and writes
 * results/bench/latest.json in github-action-benchmark's custom format
 * ([{ name, unit, value, extra }], plus each row's `biggerIsBetter`,
 * `scope` and `command` for `migsweep compare --bench` and the generated
 * tables), and the same rows split by direction in the plain format
 * (bigger-is-better.json, smaller-is-better.json) for its
 * customBiggerIsBetter / customSmallerIsBetter tools.
 *
 * The nightly gate: migsweep compare --bench results/baseline/bench.json
 * results/bench/latest.json --threshold 10% fails on ratios measured within
 * one run (scope: run); absolute speeds from two machines are not
 * comparable and are only shown (gated with --same-machine).
 *
 *   npm run bench                       all modules
 *   npm run bench -- sweep              only modules whose file name contains "sweep"
 *   npm run bench -- --quick            smaller measurements (a smoke check, not the figures)
 *   npm run bench -- --out DIR          write the JSON files into DIR (default results/bench)
 *   npm run bench -- --ten-million      also the 10,000,000-task sweep of commands.bench.ts (minutes)
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBenchValue } from './format-value.js';
import { QUICK_ENV, TEN_MILLION_ENV, type BenchModule, type BenchRow } from './types.js';

const USAGE = 'usage: npm run bench -- [module-filter...] [--quick] [--ten-million] [--out DIR]';
const here = dirname(fileURLToPath(import.meta.url));

let parsed;
try {
  parsed = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'ten-million': { type: 'boolean', default: false },
      out: { type: 'string', default: join('results', 'bench') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
} catch (e) {
  console.error(`bench: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
const { values, positionals: filters } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.out === '' || values.out.startsWith('-')) {
  console.error('bench: --out needs a folder, e.g. --out results/bench');
  process.exit(2);
}
if (values.quick) process.env[QUICK_ENV] = '1';
if (values['ten-million']) process.env[TEN_MILLION_ENV] = '1';
const out = values.out;

const modules = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (modules.length === 0) {
  console.error(`bench: no module matches ${filters.join(', ')} in ${here}`);
  process.exit(2);
}

const rows: BenchRow[] = [];
for (const file of modules) {
  process.stderr.write(`bench: ${file} ...\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') {
    console.error(`bench: ${file} exports no run() function; skipped`);
    continue;
  }
  const command = `npm run bench -- ${file.replace(/\.bench\.js$/, '')}`;
  rows.push(...(await mod.run()).map((r) => ({ ...r, command: r.command ?? command })));
}

const w = Math.max(...rows.map((r) => r.name.length));
const v = Math.max(...rows.map((r) => `${formatBenchValue(r.value)} ${r.unit}`.length));
for (const r of rows) console.log(`${r.name.padEnd(w)}  ${`${formatBenchValue(r.value)} ${r.unit}`.padStart(v)}  ${r.extra ?? ''}`.trimEnd());

mkdirSync(out, { recursive: true });
const plain = (list: BenchRow[]) =>
  `${JSON.stringify(
    list.map(({ name, unit, value, extra }) => ({ name, unit, value, ...(extra ? { extra } : {}) })),
    null,
    2,
  )}\n`;
writeFileSync(
  join(out, 'latest.json'),
  `${JSON.stringify(
    rows.map(({ name, unit, value, extra, biggerIsBetter, scope, command }) => ({
      name,
      unit,
      value,
      ...(extra ? { extra } : {}),
      biggerIsBetter,
      scope: scope ?? 'machine',
      ...(command ? { command } : {}),
    })),
    null,
    2,
  )}\n`,
);
writeFileSync(join(out, 'bigger-is-better.json'), plain(rows.filter((r) => r.biggerIsBetter)));
writeFileSync(join(out, 'smaller-is-better.json'), plain(rows.filter((r) => !r.biggerIsBetter)));
console.log(`\nwrote ${join(out, 'latest.json')}${values.quick ? ' (--quick: not the reference figures)' : ''}`);
