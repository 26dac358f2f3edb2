/**
 * Checked lookups for places where the code has already established that
 * the element or entry exists (a parallel array, an index from a loop over
 * another list, a kind that validation admitted). A miss there is a bug in
 * migsweep, not bad input: these throw an internal error rather than let
 * `undefined` travel on.
 */

/** The element at index `i` of a list known to be long enough. */
export function itemAt<T>(list: ArrayLike<T>, i: number): T {
  if (!(i >= 0 && i < list.length)) throw new Error(`internal error: index ${i} outside a list of ${list.length}`);
  return list[i] as T;
}

/** The entry of a registry (POLICIES, WORKLOADS, a unit table) under a key known to be in it. */
export function entryOf<T>(registry: Readonly<Record<string, T>>, key: string): T {
  const entry = registry[key];
  if (entry === undefined) throw new Error(`internal error: no entry '${key}' among ${Object.keys(registry).join(', ')}`);
  return entry;
}
