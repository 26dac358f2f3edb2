/**
 * `--budget`: a number of candidate evaluations (`200`) or wall time
 * (`30s`, `2min`, `1h`). An evaluation budget makes the run a pure function
 * of the tune file; a time budget does not (how many candidates fit depends
 * on the machine and its load), and the outputs say so (docs/tune.md#budget).
 */
import { InputError } from '../common/errors.js';
import { parseQuantity } from '../scenario/quantity.js';

export type Budget = { kind: 'evaluations'; evaluations: number } | { kind: 'time'; seconds: number };

export const DEFAULT_BUDGET: Budget = { kind: 'evaluations', evaluations: 200 };

const EXPECTED = 'a whole number of candidate evaluations of at least 1 (200) or a wall time above 0 (30s, 2min, 1h)';

export function parseBudget(text: string, flag = '--budget'): Budget {
  const t = text.trim();
  const fail = () => new InputError(flag, [{ path: '', message: `expected ${EXPECTED}, found '${text}'` }]);
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1 || !Number.isSafeInteger(n)) throw fail();
    return { kind: 'evaluations', evaluations: n };
  }
  // a time needs its unit: a bare decimal would be ambiguous with a count
  if (!/[a-zµ]\s*$/i.test(t)) throw fail();
  const q = parseQuantity(t, 'time');
  if (!q.ok || !(q.value > 0) || !Number.isFinite(q.value)) throw fail();
  return { kind: 'time', seconds: q.value };
}

export function describeBudget(b: Budget): string {
  return b.kind === 'evaluations' ? `${b.evaluations} evaluations` : `${formatSeconds(b.seconds)} of wall time`;
}

function formatSeconds(s: number): string {
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${Number(s.toPrecision(6))} s`;
}

/** What best.json and the terminal say about a time budget. */
export const TIME_BUDGET_NOTE =
  'a time budget: how many candidates were evaluated depends on the machine and its load, so this run is not reproducible; give --budget a number of evaluations for a deterministic run';
