/**
 * The report in a real browser: Debian's chromium (installed by
 * scripts/ci-install-chromium.sh), driven by playwright-core, never a
 * downloaded browser. Every chart must draw marks, the page must ask for
 * nothing outside file://, log no error, and show a variant named with
 * markup as text. Screenshots go to test-artifacts/report/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/index.js';
import { HOSTILE_SWEEP, POLICY_CONSTANTS_SWEEP, SEED_THREAD_SWEEP, runFixtureSweep } from './sweep-run.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = join('test-artifacts', 'report');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (scripts/ci-install-chromium.sh installs it)`;

let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
});

interface Visit {
  page: Page;
  requests: string[];
  problems: string[];
  dialogs: string[];
  charts: { name: string; state: string; marks: number }[];
}

/** Open a report, wait until vega-embed has drawn (or failed) every chart, and count the marks of each. */
async function visit(runDir: string): Promise<Visit> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests: string[] = [];
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(join(runDir, 'index.html')).href);
  // (page code as text: this project compiles without the DOM's types)
  await page.waitForFunction("[...document.querySelectorAll('.chart')].every((c) => c.hasAttribute('data-rendered'))", null, { timeout: 60_000 });
  const charts = await page.$$eval('.chart', (nodes) =>
    nodes.map((n) => ({
      name: n.getAttribute('data-chart-name') ?? '',
      state: n.getAttribute('data-rendered') ?? '',
      // vega's SVG renderer puts each mark's items in a group of role "mark"
      marks: n.querySelectorAll('svg g.role-mark > path, svg g.role-mark > line, svg g.role-mark > text, svg g.role-mark > rect').length,
    })),
  );
  return { page, requests, problems, dialogs, charts };
}

test('the report of the 2011 sweep draws every chart offline, without an error', { skip }, async () => {
  const dir = await runFixtureSweep(SEED_THREAD_SWEEP, 'browser-seed-thread');
  await writeReport(dir);
  const v = await visit(dir);
  await v.page.screenshot({ path: join(ARTIFACTS, 'seed-thread-top.png') });
  await v.page.screenshot({ path: join(ARTIFACTS, 'seed-thread-full.png'), fullPage: true });
  const figures = await v.page.$$('figure');
  for (let i = 0; i < figures.length; i++) await figures[i]!.screenshot({ path: join(ARTIFACTS, `seed-thread-chart-${i + 1}.png`) });
  assert.deepEqual(
    v.charts.map((c) => c.name),
    ['convergence-map', 'downtime-vs-ratio', 'cost-vs-ratio', 'pareto', 'promised-vs-real', 'timeline'],
  );
  for (const c of v.charts) {
    assert.equal(c.state, 'true', `${c.name} did not render`);
    assert.ok(c.marks >= 20, `${c.name} drew only ${c.marks} marks`);
  }
  assert.deepEqual(
    v.requests.filter((u) => !u.startsWith('file://')),
    [],
  );
  // the page and the three libraries, nothing else
  assert.equal(v.requests.length, 4, v.requests.join('\n'));
  assert.deepEqual(v.problems, []);
  await v.page.close();
});

test('the report of a sweep over policy constants draws its charts over those constants, offline, without an error', { skip }, async () => {
  const dir = await runFixtureSweep(POLICY_CONSTANTS_SWEEP, 'browser-constants');
  await writeReport(dir);
  const v = await visit(dir);
  await v.page.screenshot({ path: join(ARTIFACTS, 'constants-full.png'), fullPage: true });
  assert.deepEqual(
    v.charts.map((c) => c.name),
    ['downtime-vs-axis', 'total-time-vs-axis', 'pareto', 'promised-vs-real', 'timeline'],
  );
  for (const c of v.charts) {
    assert.equal(c.state, 'true', `${c.name} did not render`);
    assert.ok(c.marks >= 20, `${c.name} drew only ${c.marks} marks`);
  }
  // 2 RAM sizes x 2 dirty rates = 4 panels, each with a line per increment (3) and the dashed "downtime = limit" line
  const lines = await v.page.$$eval('#chart-0 svg g.mark-line.role-mark', (groups) => groups.reduce((n, g) => n + g.querySelectorAll('path').length, 0));
  assert.equal(lines, 4 * 3 + 4);
  assert.deepEqual(
    v.requests.filter((u) => !u.startsWith('file://')),
    [],
  );
  assert.deepEqual(v.problems, []);
  await v.page.close();
});

test('a variant named with markup shows as text, in the page and in the tooltips', { skip }, async () => {
  const dir = await runFixtureSweep(HOSTILE_SWEEP, 'browser-hostile');
  await writeReport(dir);
  const v = await visit(dir);
  for (const c of v.charts) assert.equal(c.state, 'true', `${c.name} did not render`);
  assert.deepEqual(v.problems, []);
  assert.deepEqual(
    v.requests.filter((u) => !u.startsWith('file://')),
    [],
  );
  const name = '<img src=x onerror="window.__xss = 1">';
  assert.ok((await v.page.innerText('body')).includes(name), 'the name is shown as text');
  // hover the cells of the convergence map until the tooltip shows the hostile variant
  const cells = await v.page.$$('#chart-0 svg g.role-mark > path');
  let tooltip = '';
  for (const cell of cells) {
    await cell.scrollIntoViewIfNeeded();
    const box = await cell.boundingBox();
    if (!box) continue;
    await v.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    tooltip = String(await v.page.evaluate("document.getElementById('vg-tooltip-element')?.textContent ?? ''"));
    if (tooltip.includes('onerror')) break;
  }
  assert.ok(tooltip.includes(name), `a tooltip names the variant as text (last tooltip: ${tooltip})`);
  await v.page.screenshot({ path: join(ARTIFACTS, 'hostile-tooltip.png') });
  assert.equal(await v.page.evaluate('window.__xss'), undefined);
  assert.equal(await v.page.evaluate("document.querySelectorAll('img[onerror], #vg-tooltip-element img').length"), 0);
  assert.deepEqual(v.dialogs, []);
  await v.page.close();
});
