/**
 * Whether two runs can be compared scenario by scenario: both sweep files
 * (as their manifests recorded them) are resolved again and compared.
 * Different variants or different swept paths cannot be paired at all;
 * a different fixed setting (the base, or a variant's `set`) makes every
 * scenario a different experiment, so it is refused too unless the user
 * says that this difference is what is being measured. Axis values may
 * differ: the scenarios on one side only are listed.
 */
import { join } from 'node:path';
import { InputError, formatPath } from '../common/errors.js';
import type { Manifest } from '../sweep/output.js';
import { resolveSweep } from '../sweep/resolve.js';
import { parseSweep } from '../sweep/spec.js';
import type { Grid, GridVariant } from '../sweep/types.js';

export interface SweepDifferences {
  /** differences that make pairing impossible: variants, swept paths */
  structural: string[];
  /** fixed settings that differ: `base: link.latency: 0.0005 -> 0.001`, `variant 'treutner': policy[1].passes: 10 -> 5` */
  settings: string[];
}

/** The grid of the sweep file a run recorded, resolved by this migsweep. */
export function recordedGrid(m: Manifest, dir: string, role: string): Grid {
  try {
    return resolveSweep(parseSweep(m.file, m.sweep.given)).grid;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(join(dir, 'manifest.json'), [
      {
        path: 'sweep.given',
        message: `the ${role}'s sweep file (${m.file}, as the run recorded it) does not resolve with this migsweep: ${e.message.split('\n').join('; ')}. Refresh the ${role} (migsweep baseline update) or compare with the version that made it (${m.version})`,
      },
    ]);
  }
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? 'absent';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Paths (`policy[1].passes`) where two validated scenarios differ, with both values; `skip` paths are not looked into. */
export function valueDifferences(a: unknown, b: unknown, skip: ReadonlySet<string>, path: PropertyKey[] = [], out: string[] = []): string[] {
  const here = formatPath(path);
  if (skip.has(here)) return out;
  if (Object.is(a, b)) return out;
  const bothArrays = Array.isArray(a) && Array.isArray(b);
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b);
  if (bothArrays && (a as unknown[]).length === (b as unknown[]).length) {
    (a as unknown[]).forEach((x, i) => valueDifferences(x, (b as unknown[])[i], skip, [...path, i], out));
  } else if (bothObjects) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) valueDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], skip, [...path, k], out);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(`${here || '(the scenario)'}: ${shown(a)} -> ${shown(b)}`);
  }
  return out;
}

/** The swept paths of a variant, one entry per dimension (a zip group's paths joined with ' + '). */
function sweptPaths(v: GridVariant): string[] {
  return v.dims.map((d) => d.paths.join(' + ')).sort();
}

/** Lines said once when every one of the `total` common variants has them, else per variant. */
function collapse(perVariant: Map<string, string[]>, total: number, allLabel: string): string[] {
  const lists = [...perVariant.values()];
  const [first] = lists;
  const common = lists.length === total && first !== undefined ? first.filter((line) => lists.every((l) => l.includes(line))) : [];
  const out = common.map((line) => `${allLabel}: ${line}`);
  for (const [variant, lines] of perVariant) for (const line of lines) if (!common.includes(line)) out.push(`variant '${variant}': ${line}`);
  return out;
}

export function sweepDifferences(a: Grid, b: Grid): SweepDifferences {
  const structural: string[] = [];
  const names = (g: Grid) => g.variants.map((v) => v.name);
  const onlyA = names(a).filter((n) => !names(b).includes(n));
  const onlyB = names(b).filter((n) => !names(a).includes(n));
  const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');
  if (onlyA.length > 0) structural.push(`variants: the baseline has ${list(onlyA)}, which the candidate lacks`);
  if (onlyB.length > 0) structural.push(`variants: the candidate has ${list(onlyB)}, which the baseline lacks`);

  const swept = new Map<string, string[]>();
  const settings = new Map<string, string[]>();
  let common = 0;
  for (const va of a.variants) {
    const vb = b.variants.find((v) => v.name === va.name);
    if (vb === undefined) continue;
    common++;
    const pa = sweptPaths(va);
    const pb = sweptPaths(vb);
    if (pa.join('\n') !== pb.join('\n')) swept.set(va.name, [`the baseline sweeps ${pa.join(', ') || 'nothing'}, the candidate ${pb.join(', ') || 'nothing'}`]);
    // the base's value at a swept path is replaced in every scenario; the seed is replaced by each task's
    const skip = new Set(['seed', ...[...va.dims, ...vb.dims].flatMap((d) => d.segments.map((s) => formatPath(s)))]);
    const diff = valueDifferences(va.base, vb.base, skip);
    if (diff.length > 0) settings.set(va.name, diff);
  }
  structural.push(...collapse(swept, common, 'axes'));
  return { structural, settings: collapse(settings, common, 'base') };
}
