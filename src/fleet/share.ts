/**
 * Max-min fair shares of links among flows, each flow capped by its own
 * rate limit (progressive filling, Bertsekas & Gallager, Data Networks, 6.5.2):
 * raise every unfrozen flow's rate together until a link is full or a flow
 * reaches its cap; freeze those flows; repeat. This is how SimGrid's flow
 * model (CM02, no latency) and a fair TCP share split a NIC between
 * concurrent migrations.
 */
export interface Flow {
  /** indexes of the links the flow crosses */
  links: readonly number[];
  /** the flow's own cap (bytes/s), Infinity for none */
  cap: number;
}

/** The max-min fair rate of each flow (bytes/s) over links of the given capacities. */
export function maxMinShares(capacities: readonly number[], flows: readonly Flow[]): number[] {
  const rate = flows.map(() => 0);
  const left = [...capacities];
  const frozen = flows.map((f) => f.cap <= 0);
  for (;;) {
    const users = left.map(() => 0);
    let active = 0;
    flows.forEach((f, i) => {
      if (frozen[i]) return;
      active++;
      for (const l of f.links) users[l] = (users[l] ?? 0) + 1;
    });
    if (active === 0) return rate;
    let step = Infinity;
    left.forEach((c, l) => {
      const n = users[l] ?? 0;
      if (n > 0) step = Math.min(step, c / n);
    });
    flows.forEach((f, i) => {
      if (!frozen[i]) step = Math.min(step, f.cap - (rate[i] ?? 0));
    });
    flows.forEach((f, i) => {
      if (frozen[i]) return;
      rate[i] = (rate[i] ?? 0) + step;
      for (const l of f.links) left[l] = (left[l] ?? 0) - step;
    });
    const full = left.map((c, l) => c <= (capacities[l] ?? 0) * 1e-12);
    flows.forEach((f, i) => {
      if (!frozen[i] && ((rate[i] ?? 0) >= f.cap * (1 - 1e-12) || f.links.some((l) => full[l]))) frozen[i] = true;
    });
  }
}

/** A migration's path and cap, and whether the cap is its base's own live rate limit (which its engine run applies itself). */
export interface CappedFlow extends Flow {
  capIsOwnLimit: boolean;
}

/**
 * The rate each running migration is given: its max-min share, and for a
 * migration held by its base's own rate limit, its share of what the path
 * leaves free besides: its base applies the limit to the live copy, and
 * the stop-and-copy, which no limit holds, gets the rest. The free part of
 * a link is split evenly between the migrations so held on it, so the rates
 * never exceed the link. A cap the engine does not know (oVirt's split) is
 * the rate itself.
 */
export function pathRates(capacities: readonly number[], flows: readonly CappedFlow[]): number[] {
  const shares = maxMinShares(capacities, flows);
  const held = flows.map((flow, k) => flow.capIsOwnLimit && (shares[k] as number) >= flow.cap * (1 - 1e-12));
  const free = [...capacities];
  const heldOn = capacities.map(() => 0);
  flows.forEach((flow, k) => {
    for (const l of flow.links) {
      free[l] = (free[l] as number) - (shares[k] as number);
      if (held[k]) heldOn[l] = (heldOn[l] as number) + 1;
    }
  });
  return flows.map((flow, k) => {
    const share = shares[k] as number;
    return held[k] ? share + Math.min(...flow.links.map((l) => Math.max(0, free[l] as number) / (heldOn[l] as number))) : share;
  });
}
