/**
 * Inline data that several panels of one chart draw (a timeline's series is
 * drawn in the pending-bytes, dirty-rate and throttle panels) written once:
 * moved into the spec's top-level `datasets` and referred to by name
 * (Vega-Lite named data sources), so that the spec and index.html carry each
 * series once instead of once per panel.
 */

type Node = Record<string, unknown>;

function isInline(data: unknown): data is { values: unknown[] } {
  return typeof data === 'object' && data !== null && Array.isArray((data as { values?: unknown }).values);
}

/** Walk the spec's objects (not inside data rows), calling `f` on every object that has inline `data`. */
function eachWithData(node: unknown, f: (n: Node) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) eachWithData(n, f);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as Node;
  if (isInline(n.data)) f(n);
  for (const [k, v] of Object.entries(n)) if (k !== 'data' && k !== 'datasets') eachWithData(v, f);
}

/** The spec with every `data.values` array used by more than one part (the same array object) moved to `datasets`. */
export function shareRepeatedData<T extends object>(spec: T): T {
  const uses = new Map<unknown[], number>();
  eachWithData(spec, (n) => {
    const values = (n.data as { values: unknown[] }).values;
    uses.set(values, (uses.get(values) ?? 0) + 1);
  });
  const names = new Map<unknown[], string>();
  for (const [values, count] of uses) if (count > 1) names.set(values, `data-${names.size}`);
  if (names.size === 0) return spec;
  eachWithData(spec, (n) => {
    const name = names.get((n.data as { values: unknown[] }).values);
    if (name !== undefined) n.data = { name };
  });
  return { ...spec, datasets: Object.fromEntries([...names].map(([values, name]) => [name, values])) };
}
