/** Pareto dominance for the trade-off view: lower is better on both axes. */
import { itemAt } from '../common/lookup.js';

/**
 * For each point, whether no other point is at least as good on both
 * coordinates and strictly better on one (both minimised). A point with a
 * missing (non-finite) coordinate is never on the front and dominates
 * nothing: a migration that did not finish has no downtime to trade.
 * Equal points are all on the front. O(n²), for the few policies of one
 * condition.
 */
export function nonDominated(points: readonly { x: number; y: number }[]): boolean[] {
  const ok = points.map((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  return points.map((p, i) => {
    if (!ok[i]) return false;
    for (const [j, q] of points.entries()) {
      if (j === i || !ok[j]) continue;
      if (q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y)) return false;
    }
    return true;
  });
}

/** nonDominated within each group of rows sharing `key(row)`: the policies that compete on one workload and link. */
export function nonDominatedByGroup<T>(rows: readonly T[], key: (r: T) => string, point: (r: T) => { x: number; y: number }): boolean[] {
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const k = key(r);
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  const out = new Array<boolean>(rows.length).fill(false);
  for (const idx of groups.values()) {
    const front = nonDominated(idx.map((i) => point(itemAt(rows, i))));
    idx.forEach((i, k) => (out[i] = itemAt(front, k)));
  }
  return out;
}
