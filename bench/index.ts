/**
 * `npm run bench`: runs every bench/*.bench.ts module (each exports
 * `run(): Promise<BenchRow[]>`), prints one table and writes
 * results/bench/latest.json in github-action-benchmark's custom format
 * ([{ name, unit, value, extra }], plus each row's `biggerIsBetter` and
 * `scope` for `migsweep compare --bench`), and the same rows split by
 * direction in the plain format (bigger-is-better.json,
 * smaller-is-better.json) for its customBiggerIsBetter /
 * customSmallerIsBetter tools.
 *
 * The nightly gate: migsweep compare --bench results/baseline/bench.json
 * results/bench/latest.json --threshold 10% fails on ratios measured within
 * one run (scope: run); absolute speeds from two machines are not
 * comparable and are only shown (gated with --same-machine).
 *
 *   npm run bench                 all modules
 *   npm run bench -- sweep        only modules whose file name contains "sweep"
 *   npm run bench -- --quick      smaller measurements (a smoke check, not the figures)
 *   npm run bench -- --out DIR    write the JSON files into DIR (default results/bench)
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { QUICK_ENV, type BenchModule, type BenchRow } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
if (quick) process.env[QUICK_ENV] = '1';
const outAt = args.indexOf('--out');
if (outAt >= 0 && (args[outAt + 1] === undefined || args[outAt + 1].startsWith('--'))) {
  console.error('bench: --out needs a folder, e.g. --out results/bench');
  process.exit(2);
}
const out = outAt >= 0 ? args[outAt + 1] : join('results', 'bench');
const filters = args.filter((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1));
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
  rows.push(...(await mod.run()));
}

const value = (r: BenchRow) => (Math.abs(r.value) >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toPrecision(3));
const w = Math.max(...rows.map((r) => r.name.length));
const v = Math.max(...rows.map((r) => `${value(r)} ${r.unit}`.length));
for (const r of rows) console.log(`${r.name.padEnd(w)}  ${`${value(r)} ${r.unit}`.padStart(v)}  ${r.extra ?? ''}`.trimEnd());

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
    rows.map(({ name, unit, value, extra, biggerIsBetter, scope }) => ({ name, unit, value, ...(extra ? { extra } : {}), biggerIsBetter, scope: scope ?? 'machine' })),
    null,
    2,
  )}\n`,
);
writeFileSync(join(out, 'bigger-is-better.json'), plain(rows.filter((r) => r.biggerIsBetter)));
writeFileSync(join(out, 'smaller-is-better.json'), plain(rows.filter((r) => !r.biggerIsBetter)));
console.log(`\nwrote ${join(out, 'latest.json')}${quick ? ' (--quick: not the reference figures)' : ''}`);
