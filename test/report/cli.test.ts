import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TIMELINE_COLUMNS } from '../../src/report/timeline-file.js';
import { HOSTILE_SWEEP, runFixtureSweep } from './sweep-run.js';

const CLI = join('dist', 'src', 'cli.js');

function migsweep(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

test('migsweep report <run-dir> writes index.html and says where', async () => {
  const dir = await runFixtureSweep(HOSTILE_SWEEP, 'cli');
  const r = migsweep('report', dir, '--png');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `report: ${join(dir, 'index.html')}`);
  for (const f of ['index.html', 'charts/convergence-map.svg', 'charts/convergence-map.png', 'charts/timeline.vl.json', 'lib/vega-embed.min.js'])
    assert.ok(existsSync(join(dir, f)), f);
});

test("migsweep report on a folder that is not a sweep's says what is missing and exits with 2", () => {
  const empty = mkdtempSync(join(tmpdir(), 'migsweep-report-empty-'));
  const r = migsweep('report', empty);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a finished sweep's folder: manifest\.json, summary\.csv missing/);
});

test('migsweep run --timeline writes the points, the spec and the SVG; --json keeps stdout one JSON object', () => {
  const out = mkdtempSync(join(tmpdir(), 'migsweep-timeline-'));
  const r = migsweep('run', 'sweeps/examples/seed-thread.yaml', '--timeline', '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const record = JSON.parse(r.stdout) as { passes: number; stopReason: string };
  assert.equal(record.stopReason, 'max-passes');
  assert.match(r.stderr, /timeline: .*timeline\.svg/);
  const csv = readFileSync(join(out, 'timeline.csv'), 'utf8').split('\n');
  assert.equal(csv[0], TIMELINE_COLUMNS.join(','));
  // Treutner's rule: the switch-over comes at the 10th full pass
  const last = csv.filter((l) => l.includes(',switchover,'))[0]!.split(',');
  assert.equal(Number(last[TIMELINE_COLUMNS.indexOf('passes')]), 10);
  const svg = readFileSync(join(out, 'timeline.svg'), 'utf8');
  assert.match(svg, /pass 9/);
  assert.match(svg, /guest stopped \(max-passes\)/);
});
