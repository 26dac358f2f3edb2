/** The tune file as read (spec.ts checks its shape; problem.ts resolves it). */
import type { AxisSpec } from '../sweep/types.js';

/** A search dimension as written: a range `{ from, to, scale, round }` or a list of values. */
export interface SearchRangeSpec {
  from: number | string;
  to: number | string;
  scale?: 'linear' | 'log';
  round?: boolean;
}

/** A population axis: a sweep's axis, or a distribution (`{ distribution: ..., samples: n }`) drawn into a list. */
export type PopulationAxisSpec = AxisSpec | Record<string, unknown>;

export type SearchSpec = SearchRangeSpec | unknown[];

export interface TuneSpec {
  name?: string;
  description?: string;
  seed?: number;
  base: Record<string, unknown>;
  population?: { axes?: Record<string, PopulationAxisSpec>; zip?: Record<string, PopulationAxisSpec>[]; replicates?: number };
  search: Record<string, SearchSpec>;
  constraints?: string[];
  objective?: { minimize?: string; maximize?: string };
}
