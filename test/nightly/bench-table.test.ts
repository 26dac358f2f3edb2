/**
 * The performance tables of README.md and docs/performance.md are generated
 * from the committed bench baseline (bench/table.ts, `npm run bench:table`):
 * the committed tables must be exactly what that baseline gives, so that a
 * table cannot claim figures the baseline does not hold.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BENCH_TABLE_BEGIN, BENCH_TABLE_END, BENCH_TABLE_FILES, benchTable, benchTableOf, readBenchRecords, withBenchTable } from '../../bench/table.js';
import { PACKAGE_ROOT } from '../../src/sweep/output.js';

const BASELINE = join(PACKAGE_ROOT, 'results', 'baseline', 'bench.json');

describe('the generated performance tables', () => {
  test('a table line per figure: value as the bench prints it, unit, what was measured, the command that reproduces it', () => {
    const table = benchTable([
      { name: 'command sweep 1,000 tasks, 1 worker', unit: 'tasks/s', value: 123456.7, extra: '8.1 s | peak RSS 300 MiB', command: 'npm run bench -- commands' },
      { name: 'command sweep speedup, 2 workers vs 1', unit: 'x', value: 1.7449, scope: 'run', extra: 'target >= 1.7' },
    ]);
    assert.equal(
      table,
      [
        '| figure | measured | how and target | reproduce with |',
        '|---|---|---|---|',
        '| command sweep 1,000 tasks, 1 worker | 123,457 tasks/s | 8.1 s \\| peak RSS 300 MiB | `npm run bench -- commands` |',
        '| command sweep speedup, 2 workers vs 1 | 1.74 x | a ratio within one run; target >= 1.7 | `npm run bench` |',
        '',
      ].join('\n'),
    );
  });

  test('the section between the markers is replaced, the rest kept; a file without markers is refused by name', () => {
    const text = `# t\n\nbefore\n${BENCH_TABLE_BEGIN}\nold\n${BENCH_TABLE_END}\nafter\n`;
    const next = withBenchTable(text, '| new |\n', 'X.md');
    assert.equal(next, `# t\n\nbefore\n${BENCH_TABLE_BEGIN}\n| new |\n${BENCH_TABLE_END}\nafter\n`);
    assert.equal(benchTableOf(next), '| new |\n');
    assert.throws(() => withBenchTable('# no markers\n', '| new |\n', 'docs/x.md'), /^Error: docs\/x\.md: no generated bench table/);
  });

  for (const name of BENCH_TABLE_FILES) {
    test(`${name}: its table is the one results/baseline/bench.json gives (after a new baseline: npm run bench:table)`, (t) => {
      const file = join(PACKAGE_ROOT, name);
      if (!existsSync(file)) return t.skip(`${name} is not in the tree`);
      const rows = readBenchRecords(BASELINE);
      assert.ok(rows.length > 0, 'the baseline holds figures');
      const committed = benchTableOf(readFileSync(file, 'utf8'));
      assert.ok(committed !== undefined, `${name} has the generated table's markers`);
      assert.equal(committed, benchTable(rows), `${name}'s table differs from results/baseline/bench.json: run npm run bench:table`);
      // and every figure of the baseline is in it, with its value
      for (const r of rows) assert.ok(committed.includes(`| ${r.name.replace(/\|/g, '\\|')} |`), r.name);
    });
  }
});
