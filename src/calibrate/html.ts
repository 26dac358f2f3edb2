// index.html of a calibration: the table, the targets, the machine facts
// and the chart as inline SVG. No script and no link to anything outside
// the folder, so it opens from disk with no network. Pure.
import { escapeHtml } from '../report/html.js';
import { formatRate } from '../common/format.js';
import type { ModelRows, TargetCheck } from './compare.js';
import { PAGE_SEEDS } from './predict.js';
import { exclusionNotes, tableCells, TABLE_HEADS } from './table.js';

/** What the page states about the machine and the data. */
export interface MachineFacts {
  qemuVersion: string;
  accelerator: string;
  /** why that accelerator (manifest.json of the grid), when known */
  acceleratorReason: string | null;
  hostCpus: number | null;
  /** the median stop-and-copy speed over every run (out of sample each run gets the median of the others) */
  stopCopyBytesPerSec: number;
  /** completed runs the median is over */
  stopCopyRuns: number;
  /** measured live rate (mean mbps while active) / max-bandwidth, over the runs that report it */
  liveRateShare: { min: number; max: number } | null;
  /** where measured.csv came from */
  measuredFrom: string;
  /** when the grid started (manifest.json), when known */
  measuredAt: string | null;
}

export interface CalibrationPage {
  facts: MachineFacts;
  rows: ModelRows;
  /** out of sample: each run predicted from what is known before it migrates (the accuracy) */
  targets: { fluid: TargetCheck[]; page: TargetCheck[] };
  /** in sample: fed what was measured on the scored runs themselves (labelled, for reference) */
  inSample: { fluid: TargetCheck[]; page: TargetCheck[] };
  /** the chart as an SVG document */
  chartSvg: string;
  /** files next to index.html, for links */
  files: { comparisonCsv: string; measuredCsv: string; chartSpec: string; chartSvg: string };
  /** the known miss, as a paragraph of text */
  knownMiss: string;
}

const STYLE = `
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1500px; padding: 0 24px; color: #222; line-height: 1.45; }
h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pass { color: #176117; font-weight: 600; } .fail { color: #a00; font-weight: 600; } .muted { color: #666; }
.chart { overflow-x: auto; } ul.targets { list-style: none; padding-left: 0; }
`;

function targetList(checks: readonly TargetCheck[]): string {
  const items = checks.map((c) => `<li><span class="${c.pass ? 'pass' : 'fail'}">${c.pass ? 'PASS' : 'FAIL'}</span> ${escapeHtml(c.text)}</li>`);
  return `<ul class="targets">${items.join('')}</ul>`;
}

function factsTable(f: MachineFacts): string {
  const share = f.liveRateShare;
  const rows: [string, string][] = [
    ['QEMU', f.qemuVersion],
    ['accelerator', f.acceleratorReason ? `${f.accelerator} (${f.acceleratorReason})` : f.accelerator],
    ['host CPUs', f.hostCpus === null ? 'not recorded' : String(f.hostCpus)],
    [
      'stop-and-copy speed',
      `${formatRate(f.stopCopyBytesPerSec)}: the median of downtime-bytes / downtime over ${f.stopCopyRuns} completed runs (QEMU does not rate-limit the final copy); out of sample each run is predicted over the median of the other runs`,
    ],
    [
      'live rate',
      share === null
        ? 'max-bandwidth (no mbps recorded)'
        : `max-bandwidth out of sample; QEMU's mean mbps while active was ${(share.min * 100).toFixed(1)}-${(share.max * 100).toFixed(1)} % of it (fed in sample)`,
    ],
    ['measured data', f.measuredAt ? `${f.measuredFrom} (grid started ${f.measuredAt})` : f.measuredFrom],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function comparisonTable(rows: ModelRows): string {
  const head = `<tr>${TABLE_HEADS.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = tableCells(rows)
    .map((cells) => `<tr>${cells.map((c, i) => `<td${i > 1 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

/** The SVG as vega prints it, without an XML prolog, so it can sit inside the page. */
function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

/** The page. Same inputs, same bytes. */
export function renderCalibrationHtml(p: CalibrationPage): string {
  const notes = exclusionNotes(p.rows.fluid);
  const link = (file: string): string => `<a href="${escapeHtml(file)}">${escapeHtml(file)}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>migsweep calibration against real QEMU</title>
<style>${STYLE}</style>
</head>
<body>
<h1>migsweep calibration against real QEMU</h1>
<p>Each real migration of the grid was turned into a scenario and run through the engine: the fluid engine (what
users run) and page fidelity with the guest's working set in one block (mean of ${PAGE_SEEDS} seeds). Errors are
(predicted &minus; measured) / measured.</p>
<p>Out of sample: each run is predicted from what a user knows before migrating: its configured max-bandwidth,
downtime-limit and auto-converge, the guest's configured working set and write rate, the RAM the guest filled, and
the stop-and-copy speed of the <em>other</em> runs of the grid. Nothing measured during the scored migration goes in.</p>
<h2>Accuracy targets (issue 7${p.targets.fluid.some((t) => t.name === 'XBZRLE hit rate') ? ', issue 13' : ''}), fluid engine, out of sample</h2>
${targetList(p.targets.fluid)}
<p class="muted">Page fidelity, contiguous working set, out of sample, for comparison:</p>
${targetList(p.targets.page)}
<h2>In sample, for reference</h2>
<p class="muted">The same runs fed the live rate, guest rate, zero pages and stop-and-copy speed measured on themselves:
how well the model's mechanics fit what happened, not how well it predicts. Fluid engine:</p>
${targetList(p.inSample.fluid)}
<p class="muted">Page fidelity:</p>
${targetList(p.inSample.page)}
<h2>Machine</h2>
${factsTable(p.facts)}
<h2>Predicted vs measured</h2>
${comparisonTable(p.rows)}
${notes.length > 0 ? `<p class="muted">In parentheses: left out of the error statistics.<br>${notes.map(escapeHtml).join('<br>')}</p>` : ''}
<h2>Charts</h2>
<figure class="chart">
${inlineSvg(p.chartSvg)}
<figcaption class="muted">One point per run and model; on the dashed diagonal the prediction equals the measurement.</figcaption>
</figure>
<h2>What real QEMU does that the model misses</h2>
<p>${escapeHtml(p.knownMiss)}</p>
<h2>Files</h2>
<p>${[p.files.comparisonCsv, p.files.measuredCsv, p.files.chartSpec, p.files.chartSvg].map(link).join(' &middot; ')}</p>
</body>
</html>
`;
}
