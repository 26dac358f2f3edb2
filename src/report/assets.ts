/**
 * The browser builds of vega, vega-lite and vega-embed, copied from
 * node_modules next to the report (lib/), so that index.html opens from disk
 * with no network: never a CDN. Their licences go with them.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The packages, in the order the page loads them (vega-lite needs vega, vega-embed both), and their UMD builds. */
export const LIBRARIES = [
  { pkg: 'vega', file: 'build/vega.min.js' },
  { pkg: 'vega-lite', file: 'build/vega-lite.min.js' },
  { pkg: 'vega-embed', file: 'build/vega-embed.min.js' },
] as const;

const require = createRequire(import.meta.url);

/** A package's root folder: the nearest folder above its entry point whose package.json has its name. */
function packageRoot(pkg: string): string {
  let dir = dirname(require.resolve(pkg));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of the installed package ${pkg}`);
    dir = up;
  }
}

/** Copy the three builds (and licences) into `libDir`; returns the script paths relative to the report, in load order. */
export function copyLibraries(libDir: string): string[] {
  mkdirSync(libDir, { recursive: true });
  return LIBRARIES.map(({ pkg, file }) => {
    const root = packageRoot(pkg);
    const name = `${pkg}.min.js`;
    copyFileSync(join(root, file), join(libDir, name));
    const licence = join(root, 'LICENSE');
    if (existsSync(licence)) copyFileSync(licence, join(libDir, `${pkg}.LICENSE.txt`));
    return `lib/${name}`;
  });
}

/** The version of an installed package (for the report's "what was run"). */
export function packageVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(packageRoot(pkg), 'package.json'), 'utf8')) as { version: string }).version;
}
