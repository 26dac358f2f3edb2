/**
 * `migsweep run <fleet-file> --timeline`: the fleet's Gantt chart written as
 * gantt.vl.json and gantt.svg (and gantt.png on request).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderSvg, svgToPng } from '../report/render.js';
import { fleetGanttSpec } from './gantt.js';
import type { FleetResult } from './simulate-fleet.js';

export interface GanttFiles {
  spec: string;
  svg: string;
  png?: string;
}

export async function writeFleetGantt(result: FleetResult, name: string, outDir: string, opts: { png?: boolean } = {}): Promise<GanttFiles> {
  mkdirSync(outDir, { recursive: true });
  const spec = fleetGanttSpec(result, `${name}: the drain, VM by VM`);
  const specFile = resolve(outDir, 'gantt.vl.json');
  writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  const svg = await renderSvg(spec);
  const svgFile = resolve(outDir, 'gantt.svg');
  writeFileSync(svgFile, svg);
  const out: GanttFiles = { spec: specFile, svg: svgFile };
  if (opts.png) {
    out.png = resolve(outDir, 'gantt.png');
    writeFileSync(out.png, svgToPng(svg));
  }
  return out;
}
