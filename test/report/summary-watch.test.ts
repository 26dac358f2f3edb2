/**
 * The report written right after a sweep gathers summary.csv's rows while
 * the sweep writes them (SummaryWatch), and reads only manifest.json
 * afterwards: the same report as `migsweep report` reading the file, and no
 * need of the file. A row it cannot take makes it read the file instead.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportAfterSweep } from '../../src/cli/report.js';
import { writeReport } from '../../src/report/index.js';
import { SummaryWatch } from '../../src/report/summary-watch.js';
import type { AfterSweepHook } from '../../src/sweep/hooks.js';
import type { BatchResult } from '../../src/sweep/types.js';
import { read, sweeper, SWEEPS, tempDir } from '../sweep/helpers.js';

const dir = tempDir();
const sweep = sweeper(join(SWEEPS, 'default.yaml'), dir);

/** index.html and every chart file of a report folder, by name. */
function reportFiles(run: string): Map<string, string> {
  const files = new Map([['index.html', read(join(run, 'index.html'))]]);
  for (const f of readdirSync(join(run, 'charts')).sort()) files.set(f, read(join(run, 'charts', f)));
  return files;
}

describe('the report after a sweep', () => {
  test('is written from the rows gathered during the sweep: the same files as migsweep report, and summary.csv is not read back', async () => {
    // a hook before the report empties summary.csv but for its header: the report must not need it
    const header = (run: string) => read(join(run, 'summary.csv')).split('\n')[0]!;
    const emptySummary: AfterSweepHook = (run) => {
      writeFileSync(join(run, 'summary.csv'), `${header(run)}\n`);
      return Promise.resolve();
    };
    const r = await sweep({ workers: 1, hooks: [saveSummary, emptySummary, reportAfterSweep(), restoreSummary] });
    assert.equal(r.exitCode, 0);
    const during = reportFiles(r.out);
    // the same folder reported again from the files
    const again = join(dir, 'again');
    cpSync(r.out, again, { recursive: true });
    await writeReport(again);
    assert.deepEqual([...reportFiles(again).keys()], [...during.keys()]);
    // vega numbers its gradients per process (gradient_0, gradient_1, ...): the second report in this process counts on
    const unnumbered = (text: string | undefined) => text?.replace(/gradient_\d+/g, 'gradient_N');
    for (const [name, text] of reportFiles(again)) assert.ok(unnumbered(text) === unnumbered(during.get(name)), `${name} differs`);
    // the per-policy table covers all 156 scenarios (39 a variant), not the emptied file's none
    assert.equal(during.get('index.html')!.match(/<span class="num">\d+ of 39<\/span>/g)?.length, 4);
  });

  test('a summary row it cannot take (a cell short) leaves the collection to the file', () => {
    const w = new SummaryWatch({ axes: [] }, ['scenarioId', 'variant', 'n']);
    w.create();
    const batch = (text: string) => ({ summary: Buffer.from(text) }) as unknown as BatchResult;
    w.write(batch('a,base,3\n'));
    w.close();
    assert.notEqual(w.collected(), null);
    const bad = new SummaryWatch({ axes: [] }, ['scenarioId', 'variant', 'n']);
    bad.create();
    bad.write(batch('a,base,3\nb,base\n'));
    bad.close();
    assert.equal(bad.collected(), null);
    // and before the sweep has closed its outputs there is nothing to use
    const open = new SummaryWatch({ axes: [] }, ['scenarioId', 'variant', 'n']);
    open.create();
    assert.equal(open.collected(), null);
  });
});

let saved = '';
const saveSummary: AfterSweepHook = (run) => {
  saved = read(join(run, 'summary.csv'));
  return Promise.resolve();
};
const restoreSummary: AfterSweepHook = (run) => {
  writeFileSync(join(run, 'summary.csv'), saved);
  return Promise.resolve();
};
