/** The terminal format: aligned columns, the longest sections cut with a count of what was left out. */
import { itemAt } from '../../common/lookup.js';
import {
  BENCH_HEADS,
  FINDING_HEADS,
  SECTIONS,
  benchCells,
  benchHeadline,
  benchMethod,
  findingCells,
  headline,
  matchedText,
  method,
  plural,
  restText,
  runText,
  settingLines,
} from './cells.js';
import type { Exporter } from './index.js';
import type { BenchComparison, Comparison } from '../types.js';

/** Rows per section on a terminal; --json and --markdown have them all. */
const MAX_ROWS = 40;

/** Columns padded to their widest cell; `right` columns aligned right. */
export function textTable(heads: readonly string[], rows: readonly string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => itemAt(r, i).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(itemAt(widths, i)) : c.padEnd(itemAt(widths, i))))
      .join('  ')
      .trimEnd();
  return [line(heads), ...rows.map(line)];
}

/** `label  text` lines with the labels aligned. */
function labelled(pairs: [string, string][]): string[] {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
}

function runs(c: Comparison): string {
  const out = labelled([
    ['baseline', runText(c.baseline)],
    ['candidate', runText(c.candidate)],
    ['matched', matchedText(c)],
    ...method(c).map((m, i): [string, string] => [i === 0 ? 'judged' : '', m]),
    ...c.notes.map((n, i): [string, string] => [i === 0 ? 'note' : '', n]),
    ...settingLines(c).map((line, i): [string, string] => [i === 0 ? 'settings' : '', line]),
  ]);
  for (const [key, one, many] of SECTIONS) {
    const list = c[key];
    if (list.length === 0) continue;
    out.push('', `${plural(list.length, one, many)}:`);
    const rows = list.slice(0, MAX_ROWS).map(findingCells);
    out.push(...textTable(FINDING_HEADS, rows, new Set([2, 3, 4])).map((l) => `  ${l}`));
    if (list.length > MAX_ROWS) out.push(`  ... and ${list.length - MAX_ROWS} more (--json or --markdown list them all)`);
  }
  for (const [side, list] of [
    ['baseline', c.baselineOnly],
    ['candidate', c.candidateOnly],
  ] as const) {
    if (list.length === 0) continue;
    out.push('', `${plural(list.length, 'scenario', 'scenarios')} only in the ${side}:`);
    out.push(...list.slice(0, MAX_ROWS).map((s) => `  ${s.label}`));
    if (list.length > MAX_ROWS) out.push(`  ... and ${list.length - MAX_ROWS} more`);
  }
  out.push('', `other comparisons: ${restText(c)}`);
  out.push(`result: ${headline(c)} (exit ${c.exitCode})`);
  return `${out.join('\n')}\n`;
}

function bench(c: BenchComparison): string {
  const out = labelled([['baseline', c.baseline], ['candidate', c.candidate], ...benchMethod(c).map((m, i): [string, string] => [i === 0 ? 'gate' : '', m])]);
  out.push('', ...textTable(BENCH_HEADS, c.lines.map(benchCells), new Set([1, 2, 3])));
  out.push('', `result: ${benchHeadline(c)} (exit ${c.exitCode})`);
  return `${out.join('\n')}\n`;
}

export const table: Exporter = { runs, bench };
