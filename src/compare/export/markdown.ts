/**
 * `--markdown`: for a CI job summary ($GITHUB_STEP_SUMMARY) or a pull
 * request comment. The verdict first, then one table per section; how the
 * comparison judged sits in a folded block.
 */
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

/** Rows per section (a job summary holds at most 1 MiB). */
const MAX_ROWS = 200;

/** Text in a table cell: no markup from a variant name, no broken columns. */
export function mdCell(text: string): string {
  // `<` could open an HTML tag (GitHub renders some); `>` alone is harmless inside a line
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(heads: readonly string[], rows: readonly string[][], right: ReadonlySet<number>): string[] {
  return [`| ${heads.join(' | ')} |`, `|${heads.map((_, i) => (right.has(i) ? '--:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)];
}

function folded(summary: string, lines: string[]): string[] {
  return ['<details><summary>' + mdCell(summary) + '</summary>', '', ...lines.map((l) => `- ${mdCell(l)}`), '', '</details>'];
}

function runs(c: Comparison): string {
  const mark = c.exitCode === 0 ? ':white_check_mark:' : ':x:';
  const out = [
    `### ${mark} migsweep compare ${mdCell(c.candidate.name)}: ${headline(c)}`,
    '',
    `Baseline \`${mdCell(runText(c.baseline))}\`, candidate \`${mdCell(runText(c.candidate))}\`.`,
    '',
    `Matched ${mdCell(matchedText(c))}. Other comparisons: ${restText(c)}.`,
  ];
  const notes = [...c.notes, ...settingLines(c)];
  if (notes.length > 0) out.push('', ...notes.map((n) => `- ${mdCell(n)}`));
  for (const [key, one, many] of SECTIONS) {
    const list = c[key];
    if (list.length === 0) continue;
    out.push('', `#### ${plural(list.length, one, many)}`, '');
    out.push(...mdTable(FINDING_HEADS, list.slice(0, MAX_ROWS).map(findingCells), new Set([2, 3, 4])));
    if (list.length > MAX_ROWS) out.push('', `... and ${list.length - MAX_ROWS} more (see compare.json).`);
  }
  for (const [side, list] of [
    ['baseline', c.baselineOnly],
    ['candidate', c.candidateOnly],
  ] as const) {
    if (list.length === 0) continue;
    out.push(
      '',
      ...folded(
        `${plural(list.length, 'scenario', 'scenarios')} only in the ${side}`,
        list.slice(0, MAX_ROWS).map((s) => s.label),
      ),
    );
  }
  out.push('', ...folded('How this was judged (exit 0: no regression, 1: a regression, 2: bad input)', method(c)));
  return `${out.join('\n')}\n`;
}

function bench(c: BenchComparison): string {
  const mark = c.exitCode === 0 ? ':white_check_mark:' : ':x:';
  const out = [
    `### ${mark} migsweep bench: ${benchHeadline(c)}`,
    '',
    `Baseline \`${mdCell(c.baseline)}\`, candidate \`${mdCell(c.candidate)}\`.`,
    '',
    ...mdTable(BENCH_HEADS, c.lines.map(benchCells), new Set([1, 2, 3])),
    '',
    ...folded('How this was gated', benchMethod(c)),
  ];
  return `${out.join('\n')}\n`;
}

export const markdown: Exporter = { runs, bench };
