/**
 * Headless rendering: a Vega-Lite spec to SVG with vega's own SVG string
 * renderer (no canvas, no browser), and SVG to PNG with resvg (a native
 * binary shipped through npm, nothing downloaded at install time).
 */
import { Resvg } from '@resvg/resvg-js';
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Compile a Vega-Lite spec to a Vega spec; throws with vega-lite's message when the spec is wrong. */
export function compileSpec(spec: TopLevelSpec) {
  return compile(spec).spec;
}

/** Render a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compileSpec(spec)), { renderer: 'none' });
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
