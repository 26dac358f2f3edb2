/**
 * index.html: what was run, the table per policy, every chart (interactive
 * through vega-embed, the SVG as a fallback), links to the data. Every text
 * that comes from a sweep file or a CSV goes through escapeHtml; the specs
 * are embedded as JSON that cannot close its script element.
 */
import { formatMs } from '../common/format.js';
import { formatColumnValue } from './units.js';
import type { VariantLine } from './variant-table.js';
import type { Manifest, ManifestAxis } from './types.js';

/** Text for HTML content and attribute values: the five characters that could start markup or end an attribute. */
export function escapeHtml(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * JSON for a `<script type="application/json">` element: `<` escaped so no
 * `</script>` or `<!--` inside a label can end the element early; U+2028/9
 * escaped for older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface ReportChart {
  name: string;
  title: string;
  caption: string;
  spec: unknown;
  /** file names relative to the report */
  files: { spec: string; svg: string; png?: string };
}

export interface ReportPage {
  manifest: Manifest;
  variants: VariantLine[];
  charts: ReportChart[];
  /** charts that could not be drawn, and why */
  skipped: { name: string; reason: string }[];
  scripts: string[];
  /** versions of the chart libraries, for "what was run" */
  libraries: Record<string, string>;
  /** a run of a sweep over fleets (docs/fleets.md): its tables (the files it has) instead of the per-policy table and summary.csv */
  fleet?: { files: string[] };
}

/** What each table file of a sweep over fleets holds. */
const FLEET_FILES: Record<string, string> = {
  'runs.csv': 'one row per fleet: its swept values, then its makespan, downtime median, p99 and max, times in the queue, bytes and outcome counts',
  'runs.parquet/': 'the rows of runs.csv as Parquet parts',
  'migrations.csv': 'one row per VM migration: its fleet and swept values, the VM, its start and wait, then the single-VM metrics',
  'migrations.parquet/': 'the rows of migrations.csv as Parquet parts',
};

/** The lead paragraph, the sections and the data files of a single-VM run, or of a sweep over fleets. */
function pageParts(p: ReportPage, variants: string): { lead: string; sections: string[]; policies: string; files: string } {
  if (p.fleet === undefined)
    return {
      lead: `Simulated pre-copy live migrations (QEMU/KVM style) under different stop and convergence policies.
Each chart below says what it shows; hover a mark for its numbers. The data are in <a href="runs.csv">runs.csv</a>
(one row per simulated migration) and <a href="summary.csv">summary.csv</a> (one row per scenario, over its replicates).`,
      sections: ['run', 'policies', 'charts', 'files'],
      policies: `<h2 id="policies">Per policy</h2>\n${variants}`,
      files: `<li><a href="runs.csv">runs.csv</a>: one row per simulated migration: metrics, then the scenario's parameters (units in the column names)</li>
<li><a href="summary.csv">summary.csv</a>: one row per scenario: outcome shares and mean, median, p95, min, max, sd, confidence interval of each metric</li>`,
    };
  return {
    lead: `Simulated drains: many pre-copy live migrations at once sharing their hosts' links under an orchestrator's admission rules, one fleet per combination of the swept values.
Each chart below says what it shows; hover a mark for its numbers. The data are one row per fleet and one row per VM migration (see the files).`,
    sections: ['run', 'charts', 'files'],
    policies: '',
    files: p.fleet.files.map((f) => `<li><a href="${escapeHtml(f)}">${escapeHtml(f)}</a>: ${escapeHtml(FLEET_FILES[f] ?? '')}</li>`).join('\n'),
  };
}

const STYLE = `
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1500px; padding: 0 24px; color: #222; line-height: 1.45; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.lead { color: #444; max-width: 70em; } .muted { color: #666; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 12px 0 28px; } figcaption { color: #444; max-width: 70em; margin-bottom: 6px; }
.chart { overflow-x: auto; min-height: 120px; } .files a { margin-right: 12px; }
.problem { color: #a00; } pre { background: #f7f7f7; padding: 10px; overflow-x: auto; font-size: 13px; }
nav a { margin-right: 14px; }
`;

/** The page. Pure: the same inputs give the same bytes. */
export function renderHtml(p: ReportPage): string {
  const m = p.manifest;
  const title = `migsweep report: ${m.name ?? 'sweep'}`;
  const charts = p.charts.map((c, i) => chartFigure(c, i)).join('\n');
  const skipped = p.skipped.length ? `<ul>${p.skipped.map((s) => `<li class="problem">${escapeHtml(s.name)}: not drawn: ${escapeHtml(s.reason)}</li>`).join('')}</ul>` : '';
  const parts = pageParts(p, variantTable(p.variants));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' file: 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src 'self' file: data: blob:; connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="lead">${parts.lead}</p>
<nav>${parts.sections.map((s) => `<a href="#${s}">${s === 'run' ? 'what was run' : s === 'policies' ? 'per policy' : s}</a>`).join('')}</nav>
<h2 id="run">What was run</h2>
${runTable(m, p.libraries)}
${axesTable(m.axes)}
${sweepText(m)}
${parts.policies}
<h2 id="charts">Charts</h2>
${skipped}
${charts}
<h2 id="files">Files</h2>
<ul class="files">
${parts.files}
<li><a href="manifest.json">manifest.json</a>: the sweep file as given and as resolved, seed, versions, host, timings</li>
<li>charts/: each chart as a Vega-Lite spec (.vl.json, open in any Vega editor) and as SVG</li>
</ul>
${p.scripts.map((s) => `<script src="${escapeHtml(s)}"></script>`).join('\n')}
<script>
(function () {
  var nodes = document.querySelectorAll('script[type="application/json"][data-chart]');
  var options = { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } };
  nodes.forEach(function (node) {
    var target = document.getElementById(node.getAttribute('data-chart'));
    if (typeof vegaEmbed !== 'function') return;
    vegaEmbed(target, JSON.parse(node.textContent), options).then(function () {
      target.setAttribute('data-rendered', 'true');
    }).catch(function (err) {
      target.setAttribute('data-rendered', 'error');
      target.textContent = 'This chart could not be drawn: ' + err.message;
    });
  });
})();
</script>
</body>
</html>
`;
}

function chartFigure(c: ReportChart, i: number): string {
  const id = `chart-${i}`;
  const files = [`<a href="${escapeHtml(c.files.spec)}">spec</a>`, `<a href="${escapeHtml(c.files.svg)}">SVG</a>`];
  if (c.files.png) files.push(`<a href="${escapeHtml(c.files.png)}">PNG</a>`);
  return `<figure id="figure-${escapeHtml(c.name)}">
<figcaption><strong>${escapeHtml(c.title)}.</strong> ${escapeHtml(c.caption)} <span class="files">${files.join('')}</span></figcaption>
<div class="chart" id="${id}" data-chart-name="${escapeHtml(c.name)}"><noscript><img src="${escapeHtml(c.files.svg)}" alt="${escapeHtml(c.title)}"></noscript></div>
<script type="application/json" data-chart="${id}">${jsonForScript(c.spec)}</script>
</figure>`;
}

function row(cells: string[], header = false): string {
  const tag = header ? 'th' : 'td';
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

/** Other manifest fields (src/sweep/output.ts) in words; `tool` (always migsweep) is left out. */
const FIELD_NAMES: Record<string, string> = {
  format: 'manifest.json format',
  fingerprint: 'sweep fingerprint (same grid, same fingerprint)',
  runsFormat: 'runs file format',
};

/** Known manifest fields in a reading order, then any other scalar field as it is. */
function runTable(m: Manifest, libraries: Record<string, string>): string {
  const counts = m.counts ?? {};
  const lines: [string, string][] = [];
  const add = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') lines.push([k, escapeHtml(v)]);
  };
  add('sweep', m.name);
  add('sweep file', m.file);
  add('status', m.status);
  add('seed', m.seed);
  add('replicates per scenario', m.replicates);
  if (counts.scenarios !== undefined || counts.tasks !== undefined)
    lines.push([
      'runs',
      escapeHtml(`${counts.tasks ?? '?'} simulated migrations (${counts.scenarios ?? '?'} scenarios), ${counts.done ?? '?'} done, ${counts.errors ?? 0} errors`),
    ]);
  add('started', m.start);
  add('ended', m.end);
  if (typeof m.durationMs === 'number') add('time taken', formatMs(m.durationMs));
  add('migsweep version', m.version);
  add('git commit', m.commit);
  add('node', m.node);
  add('host', m.host);
  add('CPUs', m.cpus);
  add('workers', m.workers);
  if (m.shard && typeof m.shard === 'object') {
    const s = m.shard as { index?: number; count?: number };
    add('shard', `${s.index} of ${s.count}`);
  }
  add(
    'charts drawn with',
    Object.entries(libraries)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
  );
  const shown = new Set([
    'name',
    'file',
    'status',
    'seed',
    'replicates',
    'counts',
    'start',
    'end',
    'durationMs',
    'version',
    'commit',
    'node',
    'host',
    'cpus',
    'workers',
    'shard',
    'axes',
    'charts',
    'sweep',
    'sessions',
    'merged',
  ]);
  for (const [k, v] of Object.entries(m))
    if (!shown.has(k) && k !== 'tool' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) add(FIELD_NAMES[k] ?? k, v);
  return `<table>${lines.map(([k, v]) => row([escapeHtml(k), v])).join('')}</table>`;
}

function axesTable(axes: unknown): string {
  if (!Array.isArray(axes) || axes.length === 0) return '';
  const rows = (axes as (ManifestAxis & { variants?: string[]; source?: string })[]).map((a) => {
    const values = Array.isArray(a.values) ? a.values.map((v) => formatColumnValue(a.column ?? '', v)) : [];
    const shown = values.length > 16 ? [...values.slice(0, 8), '…', ...values.slice(-4)] : values;
    return row([
      `<code>${escapeHtml(a.path)}</code>`,
      a.column ? `<code>${escapeHtml(a.column)}</code>` : '',
      escapeHtml(`${values.length}: ${shown.join(', ')}`),
      escapeHtml(Array.isArray(a.variants) ? a.variants.join(', ') : 'all'),
    ]);
  });
  return `<table>${row(['axis (scenario path)', 'column', 'values', 'variants'], true)}${rows.join('')}</table>`;
}

function sweepText(m: Manifest): string {
  const sweep = m.sweep as { given?: unknown } | undefined;
  const text = typeof sweep?.given === 'string' ? sweep.given : null;
  if (text === null) return '';
  return `<details><summary>The sweep file as given</summary><pre>${escapeHtml(text)}</pre></details>`;
}

function variantTable(lines: VariantLine[]): string {
  const fmt = (v: number | null, f: (x: number) => string) => (v === null ? '–' : escapeHtml(f(v)));
  const body = lines.map((l) =>
    row([
      `<strong>${escapeHtml(l.variant)}</strong>`,
      escapeHtml(l.policies.join('; ')) +
        (l.constants.length ? `<br><span class="muted">${l.constants.map(([c, v]) => escapeHtml(`${constantName(c)} = ${formatColumnValue(c, v)}`)).join(', ')}</span>` : ''),
      `<span class="num">${l.completed} of ${l.scenarios}</span>${l.unfinished ? `<br><span class="muted">${l.unfinished} never completed</span>` : ''}${l.aborted ? `<br><span class="muted">${l.aborted} aborted</span>` : ''}`,
      fmt(l.downtimeMedianMs, formatMs),
      fmt(l.downtimeWorstP95Ms, formatMs),
      fmt(l.totalTimeMedianMs, formatMs),
      fmt(l.transferFactorMedian, (x) => `${x.toPrecision(3)} × RAM`),
    ]),
  );
  return `<table>${row(['variant', 'policy and its constants', 'scenarios completed', 'median downtime¹', 'worst p95 downtime¹', 'median total time¹', 'median bytes sent / RAM'], true)}${body.join('')}</table>
<p class="muted">¹ over the scenarios that completed (most of their replicates did); a policy that completes more scenarios includes harder ones here.
Medians are over the scenarios' own medians; see summary.csv for each scenario.</p>`;
}

/** `qemu-2011_downtimeLimitMs` -> `qemu-2011.downtimeLimit`: the constant as a sweep file addresses it, its unit in the value. */
function constantName(col: string): string {
  const at = col.indexOf('_');
  return `${col.slice(0, at)}.${col.slice(at + 1).replace(/(BytesPerSec|Bytes|Ms)$/, '')}`;
}
