/**
 * Headless rendering: a Vega-Lite spec to SVG with vega's own SVG string
 * renderer (no canvas, no browser), and SVG to PNG with resvg (a native
 * binary shipped through npm, nothing downloaded at install time).
 */
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';

/**
 * vega and vega-lite, loaded on the first chart: together they are most of
 * the CLI's start-up time (about 0.4 s of CPU), which the commands that
 * draw nothing (a sweep with --no-report, run, merge --no-report) never use.
 */
let libraries: Promise<[typeof import('vega'), typeof import('vega-lite')]> | null = null;
function vegaLibraries(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  return libraries;
}

/** Render a Vega-Lite spec to an SVG document; throws with vega-lite's message when the spec is wrong. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ View, parse }, { compile }] = await vegaLibraries();
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterise an SVG at `scale` x its size. Text uses the system's fonts
 * (vega asks for sans-serif); without any installed font the PNG has no text.
 */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
