/**
 * Where in the sweep file a scenario's value comes from: the base, a
 * variant's `set`, or an axis value. A problem the scenario validator finds
 * at `workload.dirtyRate` is reported at the line of the axis value that put
 * it there, with that value's place (`axes.workload.dirtyRate[3]`).
 */
import type { InputProblem } from '../common/errors.js';
import { formatPathSegments, parsePath, type PathSegment } from '../scenario/path.js';
import type { SourceDocument } from '../scenario/document.js';

/**
 * A path with a single policy entry written as a mapping (`policy.passes`)
 * and as a list entry (`policy[0].passes`) compared as the same place: always
 * indexed, as the validated scenario holds it.
 */
export function canonical(segs: readonly PathSegment[]): PathSegment[] {
  if (segs[0] === 'policy' && segs.length > 1 && typeof segs[1] !== 'number') return ['policy', 0, ...segs.slice(1)];
  return [...segs];
}

export function isPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}

/**
 * The part of a scenario an axis decides: a `kind` decides which keys its
 * mapping may hold, so it owns the mapping; any other path owns its subtree
 * (all of it when the values are mappings or lists).
 */
export function scopeOf(segs: readonly PathSegment[]): PathSegment[] {
  const c = canonical(segs);
  // a kind, or a workload preset, decides the other fields of its mapping: the whole mapping is the value
  if (c[c.length - 1] === 'kind' || (c.length === 2 && c[0] === 'workload' && c[1] === 'preset')) return c.slice(0, -1);
  return c;
}

/** One thing the sweep file sets on a scenario. */
export interface Assignment {
  /** the scenario path, canonical */
  segs: PathSegment[];
  /** the path as written, for messages */
  text: string;
  /** the place in the sweep file of the value in force: `['axes', 'workload.dirtyRate', 3]` */
  where: PathSegment[];
  /** for a generated (range) value: "value 3 of 12 of the range" */
  note?: string;
  /** the place of the axis (or `set` key) itself, for a problem with the path rather than the value */
  key?: PathSegment[];
}

/**
 * The assignment responsible for a problem at `path`: the most specific one
 * that contains the path, is contained by it (a misspelt key's container),
 * or decides its mapping's kind. undefined = the base.
 */
export function responsible(path: readonly PathSegment[], assignments: readonly Assignment[]): Assignment | undefined {
  const p = canonical(path);
  let best: Assignment | undefined;
  for (const a of assignments) {
    const related = isPrefix(a.segs, p) || isPrefix(p, a.segs) || (a.segs[a.segs.length - 1] === 'kind' && isPrefix(a.segs.slice(0, -1), p));
    if (related && (best === undefined || a.segs.length >= best.segs.length)) best = a;
  }
  return best;
}

/** Parse a problem path as the scenario validator formats it ('' = the whole scenario). */
export function problemSegments(path: string): PathSegment[] {
  if (path === '') return [];
  return parsePath(path) ?? [path];
}

/**
 * Place a scenario problem in the sweep file: at the responsible axis value
 * or `set` entry, or else at the base. `context` is added to the message
 * (e.g. the values of the other axes of the scenario).
 */
export function placeProblem(doc: SourceDocument, problemPath: string, message: string, assignments: readonly Assignment[], context = ''): InputProblem {
  const segs = problemSegments(problemPath);
  const a = responsible(segs, assignments);
  let where: PathSegment[];
  let shown: PathSegment[];
  let text = message;
  if (a === undefined) {
    where = ['base', ...segs];
    shown = where;
  } else {
    const c = canonical(segs);
    const deeper = c.length > a.segs.length && isPrefix(a.segs, c);
    // an unknown key in the path itself: point at the axis, not at its values
    shown = a.key !== undefined && /^unknown key/.test(message) && !deeper ? a.key : a.where;
    // a value written as a mapping: point into it (locate stops at the nearest line that exists)
    where = deeper && a.note === undefined ? [...a.where, ...c.slice(a.segs.length)] : shown;
    if (formatPathSegments(c) !== formatPathSegments(a.segs)) text = `${problemPath}: ${text}`;
    if (a.note) text = `${a.note}: ${text}${/expected a whole number/.test(message) ? '; add round: true to the range' : ''}`;
  }
  const pos = doc.locate(where);
  return { path: formatPathSegments(shown), message: context ? `${text} (${context})` : text, line: pos?.line, col: pos?.col };
}

/** A value as a person would read it in a message: `1GiB`, `5`, `{kind: hotcold, ...}`. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Problems reported at most (the first ones are the useful ones). */
export const MAX_PROBLEMS = 12;

/**
 * Problems collected over variants and scenarios: the same problem (place
 * and message) is reported once, naming the variants it occurs in when not
 * all of them.
 */
export class ProblemList {
  private readonly byKey = new Map<string, { p: InputProblem; variants: string[] }>();
  constructor(private readonly variantCount: number) {}
  /** `core`: the part of the message that identifies the problem (default: all of it) */
  add(p: InputProblem, variant: string | null, core = p.message): void {
    const key = `${p.line}:${p.col}:${p.path}\0${core}`;
    const known = this.byKey.get(key);
    if (known) {
      if (variant !== null && !known.variants.includes(variant)) known.variants.push(variant);
    } else this.byKey.set(key, { p, variants: variant === null ? [] : [variant] });
  }
  get size(): number {
    return this.byKey.size;
  }
  full(): boolean {
    return this.byKey.size >= MAX_PROBLEMS;
  }
  list(): InputProblem[] {
    return [...this.byKey.values()].slice(0, MAX_PROBLEMS).map(({ p, variants }) => {
      if (variants.length === 0 || variants.length === this.variantCount || this.variantCount <= 1) return p;
      const names = variants.map((v) => `'${v}'`).join(', ');
      return { ...p, message: `${p.message} (in variant${variants.length > 1 ? 's' : ''} ${names})` };
    });
  }
}
