/**
 * `migsweep run --timeline`: one scenario simulated with its timeline,
 * written as timeline.csv (every point the engine recorded), timeline.vl.json
 * and timeline.svg (and timeline.png on request).
 */
import { itemAt } from '../common/lookup.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { simulate } from '../engine/index.js';
import type { RunResult, Scenario, TimelinePoint } from '../engine/types.js';
import { policyLabel } from '../scenario/flatten.js';
import { formatRate } from '../common/format.js';
import { VARIANT_COLORS } from './charts/style.js';
import { timelineSpec } from './charts/timeline.js';
import { renderSvg, svgToPng } from './render.js';
import { formatColumnValue } from './units.js';

export const TIMELINE_COLUMNS = [
  'tMs',
  'event',
  'pendingBytes',
  'transferredBytes',
  'passes',
  'syncs',
  'dirtyRateBytesPerSec',
  'throttlePct',
  'downtimeLimitMs',
] as const satisfies readonly (keyof TimelinePoint)[];

export interface TimelineFiles {
  result: RunResult;
  csv: string;
  spec: string;
  svg: string;
  png?: string;
}

/** Simulate `scenario` (named `name`, e.g. its file) with its timeline and write the files into `outDir`. */
export async function writeTimeline(scenario: Scenario, name: string, outDir: string, opts: { png?: boolean } = {}): Promise<TimelineFiles> {
  const points: TimelinePoint[] = [];
  const result = simulate(scenario, { timeline: points });
  mkdirSync(outDir, { recursive: true });
  const csv = resolve(outDir, 'timeline.csv');
  writeFileSync(
    csv,
    stringify(
      points.map((p) => TIMELINE_COLUMNS.map((c) => p[c])),
      { header: true, columns: [...TIMELINE_COLUMNS] },
    ),
  );
  const title = `${name}: ${policyLabel(scenario)}`;
  const subtitle = [
    `${formatColumnValue('ramBytes', scenario.vm.ram)} guest, ${scenario.workload.kind} writes at ${formatRate(scenario.workload.dirtyRate)}, link ${formatColumnValue('bandwidthBytesPerSec', scenario.link.bandwidth)}.`,
    'Pending: what the migration still has to send. Dotted lines: ends of full passes over RAM. Red: the guest is stopped (downtime shaded); orange: paused.',
  ];
  const spec = timelineSpec([{ name: policyLabel(scenario), color: itemAt(VARIANT_COLORS, 0), result, points }], title, subtitle);
  const specFile = resolve(outDir, 'timeline.vl.json');
  writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  const svg = await renderSvg(spec);
  const svgFile = resolve(outDir, 'timeline.svg');
  writeFileSync(svgFile, svg);
  const out: TimelineFiles = { result, csv, spec: specFile, svg: svgFile };
  if (opts.png) {
    out.png = join(resolve(outDir), 'timeline.png');
    writeFileSync(out.png, svgToPng(svg));
  }
  return out;
}
