/**
 * Paths into a scenario as users write them: `workload.dirtyRate`,
 * `policy[1].passes`, `link.bandwidth`. Used by `--set` and by sweep axes.
 */

export type PathSegment = string | number;

const SEGMENT = /([^.[\]]+)|\[(\d+)\]/g;

/** Parse `policy[1].passes` into ['policy', 1, 'passes']; null when malformed. */
export function parsePath(text: string): PathSegment[] | null {
  if (!/^[A-Za-z_][\w-]*(\[\d+\]|\.[A-Za-z_][\w-]*)*$/.test(text)) return null;
  const out: PathSegment[] = [];
  for (const [, key, index] of text.matchAll(SEGMENT)) {
    if (index !== undefined) out.push(Number(index));
    else if (key !== undefined) out.push(key);
  }
  return out;
}

export function formatPathSegments(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/**
 * Set a value at a path in a plain object tree, creating missing mappings.
 * A single policy entry written as a mapping is addressed as `policy[0]` too.
 * Returns an explanation instead of throwing when the path cannot be set.
 */
export function setPath(root: Record<string, unknown>, path: readonly PathSegment[], value: unknown): string | null {
  let node: unknown = root;
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    const here = formatPathSegments(path.slice(0, i)) || 'the top level';
    if (typeof seg === 'number') {
      if (!Array.isArray(node)) {
        if (seg === 0 && node !== null && typeof node === 'object') {
          if (last) return `cannot replace ${here}[0] of a single entry; set its fields instead`;
          continue; // `policy[0].x` on a single-entry `policy: {...}`
        }
        return `${here} is not a list, so [${seg}] does not apply`;
      }
      if (seg > node.length) return `${here} has ${node.length} entries; [${seg}] would leave a gap`;
      if (last) {
        node[seg] = value;
        return null;
      }
      if (node[seg] === undefined) node[seg] = typeof path[i + 1] === 'number' ? [] : {};
      node = node[seg];
    } else {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return `${here} is not a mapping, so .${seg} does not apply`;
      const obj = node as Record<string, unknown>;
      if (last) {
        obj[seg] = value;
        return null;
      }
      if (obj[seg] === undefined || obj[seg] === null) obj[seg] = typeof path[i + 1] === 'number' ? [] : {};
      node = obj[seg];
    }
  }
  return 'empty path';
}

/** Read the value at a path (same single-entry convention as setPath); undefined when absent. */
export function getPath(root: unknown, path: readonly PathSegment[]): unknown {
  let node: unknown = root;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (typeof seg === 'number' && !Array.isArray(node)) {
      if (seg === 0) continue;
      return undefined;
    }
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}
