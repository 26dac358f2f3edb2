/** The tune file as read (spec.ts checks its shape; problem.ts resolves it). */
import type { AxisSpec } from '../sweep/types.js';

/** A search dimension as written: a range `{ from, to, scale, round }` or a list of values. */
export interface SearchRangeSpec {
  from: number | string;
  to: number | string;
  scale?: 'linear' | 'log';
  round?: boolean;
}

export type SearchSpec = SearchRangeSpec | unknown[];

export interface TuneSpec {
  name?: string;
  description?: string;
  seed?: number;
  base: Record<string, unknown>;
  population?: { axes?: Record<string, AxisSpec>; zip?: Record<string, AxisSpec>[]; replicates?: number };
  search: Record<string, SearchSpec>;
  constraints?: string[];
  objective?: { minimize?: string; maximize?: string };
}
