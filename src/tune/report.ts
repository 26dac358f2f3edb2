/**
 * report.html in a tune's run folder: for each constraint, every candidate's
 * constrained statistic against the objective (without one, against the
 * smallest relative margin), the side of the limit that meets it shaded and
 * the chosen candidate marked; then, for the chosen constants, each
 * constrained metric run by run over the population with its limit. Vega-Lite
 * specs rendered in the browser by vega-embed, whose builds are copied next
 * to the page (src/report/assets.ts): it opens from disk with no network.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyLibraries } from '../report/assets.js';
import { escapeHtml, jsonForScript } from '../report/html.js';
import { objectiveKey, type Candidate } from './candidate.js';
import type { TuneProblem } from './problem.js';
import { OUTCOMES } from './statistic.js';

export const REPORT_FILE = 'report.html';

/** The y value of a candidate on the trade-off charts, and its title. */
function yOf(problem: TuneProblem): { title: string; of: (c: Candidate) => number } {
  const o = problem.objective;
  if (o === null) return { title: 'smallest margin relative to its limit', of: (c) => -objectiveKey(problem, c) };
  const i = problem.statistics.findIndex((s) => s.name === o.statistic.name);
  return { title: `${o.statistic.name} (${o.sense})`, of: (c) => c.statistics[i] ?? NaN };
}

/** The Vega-Lite specs of the page (exported for tests). */
export function tuneCharts(
  problem: TuneProblem,
  cands: readonly Candidate[],
  best: Candidate | null,
  bestRuns: Float64Array | null,
): { title: string; spec: Record<string, unknown> }[] {
  const y = yOf(problem);
  const charts: { title: string; spec: Record<string, unknown> }[] = [];
  for (const c of problem.constraints) {
    const i = problem.statistics.findIndex((s) => s.name === c.statistic.name);
    const points = cands
      .filter((k) => k.error === null && Number.isFinite(k.statistics[i] ?? NaN) && Number.isFinite(y.of(k)))
      .map((k) => ({ id: k.id, x: k.statistics[i] as number, y: y.of(k), feasible: k.feasible ? 'feasible' : 'infeasible', chosen: k.id === best?.id }));
    const xs = [...points.map((p) => p.x), c.limit];
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const below = c.op === '<=' || c.op === '<';
    charts.push({
      title: `${c.text}: every candidate`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: 480,
        height: 300,
        layer: [
          {
            data: { values: [{ from: below ? lo : c.limit, to: below ? c.limit : hi }] },
            mark: { type: 'rect', opacity: 0.12, color: '#2a9d8f' },
            encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
          },
          { data: { values: [{ limit: c.limit }] }, mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { x: { field: 'limit', type: 'quantitative' } } },
          {
            data: { values: points },
            mark: { type: 'point', filled: true },
            encoding: {
              x: { field: 'x', type: 'quantitative', title: c.statistic.name, scale: { zero: false } },
              y: { field: 'y', type: 'quantitative', title: y.title, scale: { zero: false } },
              color: { field: 'feasible', type: 'nominal', scale: { domain: ['feasible', 'infeasible'], range: ['#2a9d8f', '#bbbbbb'] } },
              size: { condition: { test: 'datum.chosen', value: 200 }, value: 30 },
              shape: { condition: { test: 'datum.chosen', value: 'diamond' }, value: 'circle' },
              tooltip: [{ field: 'id' }, { field: 'x', title: c.statistic.name }, { field: 'y', title: y.title }],
            },
          },
        ],
      },
    });
  }
  if (best !== null && bestRuns !== null) {
    const { width, metrics } = problem.table;
    const n = bestRuns.length / width;
    for (const c of problem.constraints) {
      const s = c.statistic;
      if ('share' in s) {
        const counts = OUTCOMES.map((o, k) => ({
          outcome: o,
          runs: Array.from({ length: n }, (_, r) => bestRuns[r * width + width - 1]).filter((v) => v === k).length,
        }));
        charts.push({
          title: `${c.text}: the chosen constants' runs by outcome`,
          spec: {
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            width: 300,
            data: { values: counts },
            mark: 'bar',
            encoding: { x: { field: 'runs', type: 'quantitative' }, y: { field: 'outcome', type: 'nominal' } },
          },
        });
        continue;
      }
      const values = Array.from({ length: n }, (_, r) => ({ run: r, value: bestRuns[r * width + s.metric] as number })).filter((v) => Number.isFinite(v.value));
      charts.push({
        title: `${c.text}: ${metrics[s.metric]} of each run with the chosen constants`,
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          width: 480,
          height: 60,
          layer: [
            {
              data: { values },
              mark: { type: 'tick' },
              encoding: { x: { field: 'value', type: 'quantitative', title: metrics[s.metric] }, tooltip: [{ field: 'run' }, { field: 'value' }] },
            },
            { data: { values: [{ limit: c.limit }] }, mark: { type: 'rule', color: '#e76f51', strokeDash: [4, 3] }, encoding: { x: { field: 'limit', type: 'quantitative' } } },
          ],
        },
      });
    }
  }
  return charts;
}

export function writeTuneReport(
  dir: string,
  problem: TuneProblem,
  cands: readonly Candidate[],
  best: Candidate | null,
  bestRuns: Float64Array | null,
  settings: readonly string[],
): void {
  const scripts = copyLibraries(join(dir, 'lib'));
  const charts = tuneCharts(problem, cands, best, bestRuns);
  const body = charts
    .map((c, i) => `<h2>${escapeHtml(c.title)}</h2>\n<div id="chart-${i}"></div>\n<script type="application/json" id="spec-${i}">${jsonForScript(c.spec)}</script>`)
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tune ${escapeHtml(problem.name)}</title>
${scripts.map((s) => `<script src="${escapeHtml(s)}"></script>`).join('\n')}
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f4f4f4;padding:1em}</style></head>
<body><h1>tune ${escapeHtml(problem.name)}</h1>
<p>${cands.length} candidates, ${cands.filter((c) => c.feasible).length} feasible; ${best === null ? 'none chosen' : `chosen ${escapeHtml(best.id)} (${best.feasible ? 'feasible' : 'infeasible: the closest'})`}. Data: <a href="candidates.csv">candidates.csv</a>, <a href="best.json">best.json</a>.</p>
<pre>${escapeHtml(settings.join('\n'))}</pre>
${body}
<script>document.querySelectorAll('script[id^="spec-"]').forEach(function (el) { vegaEmbed('#chart-' + el.id.slice(5), JSON.parse(el.textContent), { actions: false }); });</script>
</body></html>
`;
  writeFileSync(join(dir, REPORT_FILE), html);
}
