/**
 * The runs reader: a run folder's runs.csv streamed back in batches, with
 * cells typed as the report and compare use them, and a damaged file named
 * with its line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunSamples } from '../../src/compare/run-samples.js';
import { InputError } from '../../src/common/errors.js';
import { requireColumns, streamCsv, streamRuns, type RunRow, type RunsStream } from '../../src/sweep/read-runs.js';
import { runSweep } from '../../src/sweep/session.js';
import { read, Sink, sweepFile, tempDir } from './helpers.js';

const dir = tempDir();

function csvFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function all(runs: RunsStream): Promise<{ rows: RunRow[]; sizes: number[] }> {
  const rows: RunRow[] = [];
  const sizes: number[] = [];
  for await (const batch of runs) {
    sizes.push(batch.length);
    rows.push(...batch);
  }
  return { rows, sizes };
}

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an InputError');
}

describe('streamCsv', () => {
  test('cells: empty is null, a number in full is a number, other text and text columns stay strings, quotes undone', async () => {
    const file = csvFile(
      'cells.csv',
      // a BOM, a variant called 10, a quoted comma and doubled quotes, an exponent, a sign, a number-like prefix
      '\ufefftaskId,variant,downtimeMs,error,note\n' + '00ab-0,10,612.5,,12abc\n' + '00ab-1,"a, b",1e3,"say ""hi""",-0.25\n' + '00ab-2,,,,.5\n',
    );
    const runs = await streamCsv(file);
    assert.deepEqual(runs.columns, ['taskId', 'variant', 'downtimeMs', 'error', 'note']);
    assert.equal(runs.format, 'csv');
    const { rows } = await all(runs);
    assert.deepEqual(rows, [
      { taskId: '00ab-0', variant: '10', downtimeMs: 612.5, error: null, note: '12abc' },
      { taskId: '00ab-1', variant: 'a, b', downtimeMs: 1000, error: 'say "hi"', note: -0.25 },
      { taskId: '00ab-2', variant: null, downtimeMs: null, error: null, note: 0.5 },
    ]);
  });

  test('rows come in batches of the size asked, in file order; only the columns asked for', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => `${i},${i * i},x${i}`);
    const file = csvFile('seven.csv', `a,b,c\n${lines.join('\n')}\n`);
    const { rows, sizes } = await all(await streamCsv(file, { batchRows: 3, columns: ['c', 'a', 'absent'] }));
    assert.deepEqual(sizes, [3, 3, 1]);
    assert.deepEqual(
      rows,
      Array.from({ length: 7 }, (_, i) => ({ c: `x${i}`, a: i })),
    );
  });

  test('a row with a cell too few, an unclosed quote, an empty file: an InputError naming the file and line', async () => {
    const short = csvFile('short.csv', 'a,b\n1,2\n3\n4,5\n');
    // the error may come with the header or with the rows: a small file is parsed in one go
    const readAll = async (file: string) => all(await streamCsv(file));
    let e = await inputError(readAll(short));
    assert.match(e.message, /short\.csv:3:1: has 1 cells, the header has 2; the file is damaged/);

    const open = csvFile('open.csv', 'a,b\n1,2\n"3,4\n');
    e = await inputError(readAll(open));
    assert.match(e.message, /open\.csv:3:1: a quoted cell is not closed/);

    e = await inputError(streamCsv(csvFile('empty.csv', '')));
    assert.match(e.message, /empty\.csv: is empty; expected a header line/);

    e = await inputError(streamCsv(join(dir, 'nowhere.csv')));
    assert.match(e.message, /nowhere\.csv: cannot read: ENOENT/);
  });

  test('requireColumns names the missing columns and the file', async () => {
    const runs = await streamCsv(csvFile('few.csv', 'taskId,variant\n'));
    assert.throws(() => requireColumns(runs, ['variant', 'outcome', 'error']), /few\.csv:1:1: has no columns outcome, error; expected a runs\.csv/);
    requireColumns(runs, ['taskId']);
    await runs.close();
  });
});

describe('streamRuns', () => {
  test("reads a sweep's runs.csv: every task in order, the cells the file holds", async () => {
    const file = sweepFile(
      dir,
      'tiny',
      `name: tiny
seed: 3
replicates: 2
base:
  vm: { ram: 1GiB }
  workload: { kind: uniform, dirtyRate: 10MiB/s, workingSet: 256MiB }
  link: { bandwidth: 1Gbit/s }
  policy: { kind: precopy }
axes:
  workload.dirtyRate: [1MiB/s, 2000MiB/s]
variants:
  - name: '10'
  - name: capped
    set: { policy: [{ kind: precopy }, { kind: max-passes, passes: 3 }] }
`,
    );
    const out = join(dir, 'tiny-run');
    const r = await runSweep({ file, out, workers: 1, progress: 'quiet', stdout: new Sink(), stderr: new Sink(), hooks: [] });
    assert.equal(r.exitCode, 0);
    const { rows, sizes } = await all(await streamRuns(out, { batchRows: 3 }));
    assert.deepEqual(sizes, [3, 3, 2]);
    // the same file split by hand: no quotes in it, so a comma split is exact
    const [head, ...lines] = read(join(out, 'runs.csv')).trimEnd().split('\n');
    const columns = (head as string).split(',');
    assert.equal(rows.length, 8);
    rows.forEach((row, i) => {
      const cells = (lines[i] as string).split(',');
      assert.deepEqual(Object.keys(row), columns);
      columns.forEach((c, k) => {
        const text = cells[k] as string;
        // names stay text even when they look like numbers (a scenario id may be all digits)
        const name = ['taskId', 'scenarioId', 'variant'].includes(c) || Number.isNaN(Number(text));
        const want = text === '' ? null : name ? text : Number(text);
        assert.equal(row[c], want, `row ${i} ${c}`);
      });
    });
    // the variant named '10' stays a name; max-passes is empty where the variant has none
    assert.equal(rows[0]?.variant, '10');
    assert.equal(rows[0]?.['max-passes_passes'], null);
    assert.equal(rows[7]?.['max-passes_passes'], 3);

    // compare reads the same folder through the reader: 2 variants x 2 rates, 2 replicates each
    const samples = await readRunSamples(out, 'baseline', ['downtimeMs']);
    assert.equal(samples.scenarios.size, 4);
    for (const s of samples.scenarios.values()) assert.deepEqual(s.replicates, [0, 1]);
    const first = [...samples.scenarios.values()][0];
    assert.deepEqual(first?.values.get('downtimeMs'), [rows[0]?.downtimeMs, rows[1]?.downtimeMs]);

    // a run cut in the middle of a line: compare names the file and the line
    const cut = join(dir, 'tiny-cut');
    cpSync(out, cut, { recursive: true });
    const text = read(join(cut, 'runs.csv'));
    writeFileSync(join(cut, 'runs.csv'), text.slice(0, text.length - 40));
    const e = await inputError(readRunSamples(cut, 'baseline', ['downtimeMs']));
    assert.match(e.message, /tiny-cut\/runs\.csv:9:1: has \d+ cells, the header has \d+; the file is damaged/);
  });

  test('a folder without runs: an InputError saying what was expected', async () => {
    const empty = join(dir, 'no-runs');
    mkdirSync(empty);
    const e = await inputError(streamRuns(empty));
    assert.match(e.message, /no-runs: holds no runs \(no runs\.csv/);
  });
});
