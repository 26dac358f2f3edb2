/**
 * The expanded sweep as arithmetic, never as a list: task index -> variant,
 * axis values, replicate; scenario ids from the values (stable when axes are
 * reordered or extended); seeds from (sweep seed, task id); shards.
 *
 * Order: scenarios are numbered variant by variant; within a variant the
 * first dimension varies slowest (nested loops in the order of the file);
 * the replicates of a scenario are consecutive: task = scenario x replicates
 * + replicate.
 */
import { itemAt } from '../common/lookup.js';
import * as crypto from 'node:crypto';
import { hashString } from '../engine/random.js';
import type { Scenario } from '../engine/types.js';
import type { PathSegment } from '../scenario/path.js';
import type { Grid, GridVariant, Shard } from './types.js';

/** A value set at a path in a copy of `node`; only the containers on the way are copied, the rest is shared. */
export function withValue(node: unknown, segs: readonly PathSegment[], value: unknown, i = 0): unknown {
  if (i === segs.length) return value;
  const key = itemAt(segs, i);
  const container = node as Record<PropertyKey, unknown> | null | undefined;
  const copy = (Array.isArray(container) ? container.slice() : { ...(container ?? {}) }) as Record<PropertyKey, unknown>;
  copy[key] = withValue(container?.[key], segs, value, i + 1);
  return copy;
}

/**
 * A scenario object of the caller's own, whose seed is set per task in place
 * (seeded): a task's scenario differs from its scenario's only by the seed,
 * and a copy per task (withValue) cost about a third of a microsecond
 * (0.36 s of the worker's CPU over bench/sweeps/million.yaml's 1,000,000
 * tasks, whose engine alone takes about 5 s). The engine reads the scenario
 * and keeps nothing of it (simulate is pure and synchronous).
 */
export function ownScenario(s: Scenario): Scenario {
  return { ...s };
}

/** The task's scenario: `own` (from ownScenario) with the task's seed. */
export function seeded(own: Scenario, seed: number): Scenario {
  (own as { seed: number }).seed = seed;
  return own;
}

/** Which variant holds scenario g, and the index of each of its dimensions. */
export function decodeScenario(grid: Grid, g: number, digits: number[] = []): { variant: number; digits: number[] } {
  let v = grid.variants.length - 1;
  while (v > 0 && itemAt(grid.variants, v).offset > g) v--;
  const { dims, offset } = itemAt(grid.variants, v);
  let rest = g - offset;
  digits.length = dims.length;
  for (let d = dims.length - 1; d >= 0; d--) {
    const n = itemAt(dims, d).values.length;
    digits[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return { variant: v, digits };
}

/** The scenario (base units) of a variant at the given dimension indices, with the base's seed. */
export function buildScenario(variant: GridVariant, digits: readonly number[]): Scenario {
  let s: unknown = variant.base;
  for (const [d, k] of variant.applyOrder) {
    const dim = itemAt(variant.dims, d);
    s = withValue(s, itemAt(dim.segments, k), itemAt(itemAt(dim.values, itemAt(digits, d)), k));
  }
  return s as Scenario;
}

// crypto.hash (Node >= 20.12) is a one-shot digest several times faster than createHash.
const sha1Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function' ? (text) => crypto.hash('sha1', text, 'hex') : (text) => crypto.createHash('sha1').update(text).digest('hex');

/**
 * A scenario's id: the first 16 hex digits of the SHA-1 of the variant name
 * and its `path=value` pairs (values in base units, paths sorted). It names
 * the point of the grid, so adding values to an axis or reordering axes
 * leaves the other scenarios' ids (and seeds) as they were.
 */
export function scenarioIdOf(variant: GridVariant, digits: readonly number[]): string {
  let text = variant.name;
  for (const [d, k] of variant.idOrder) {
    const dim = itemAt(variant.dims, d);
    text += `\n${itemAt(dim.paths, k)}=${itemAt(itemAt(dim.keys, itemAt(digits, d)), k)}`;
  }
  return sha1Hex(text).slice(0, 16);
}

export function taskIdOf(scenarioId: string, replicate: number): string {
  return `${scenarioId}-${replicate}`;
}

/** A task's seed: a 32-bit FNV-1a hash of the sweep seed and the task id (the engine's `hashString`). */
export function taskSeed(sweepSeed: number, taskId: string): number {
  return hashString(`${sweepSeed}:${taskId}`);
}

/** How many scenarios of the sweep belong to the shard (scenarios g with g % count === index). */
export function shardScenarioCount(grid: Grid, shard: Shard | null): number {
  if (shard === null) return grid.scenarios;
  return grid.scenarios > shard.index ? Math.floor((grid.scenarios - 1 - shard.index) / shard.count) + 1 : 0;
}

export function shardTaskCount(grid: Grid, shard: Shard | null): number {
  return shardScenarioCount(grid, shard) * grid.replicates;
}

/**
 * The shard's task at `ordinal` (0-based within the shard): its scenario
 * and replicate. Shards take whole scenarios, round robin, so that the
 * expensive corners of a grid spread over all shards and every shard can
 * summarise its own scenarios.
 */
export function taskAt(grid: Grid, shard: Shard | null, ordinal: number): { scenario: number; replicate: number } {
  const local = Math.floor(ordinal / grid.replicates);
  const replicate = ordinal - local * grid.replicates;
  const scenario = shard === null ? local : shard.index + local * shard.count;
  return { scenario, replicate };
}

/** Everything about one task, for the worker and for checks. */
export interface TaskInfo {
  variant: GridVariant;
  digits: number[];
  scenarioId: string;
  taskId: string;
  replicate: number;
  seed: number;
}

/** Resolve a shard ordinal to its task (reusing `digits`); the scenario id is computed once per scenario by the caller's cache. */
export function taskInfo(grid: Grid, shard: Shard | null, ordinal: number, digits: number[] = []): TaskInfo {
  const { scenario, replicate } = taskAt(grid, shard, ordinal);
  const { variant } = decodeScenario(grid, scenario, digits);
  const v = itemAt(grid.variants, variant);
  const scenarioId = scenarioIdOf(v, digits);
  const taskId = taskIdOf(scenarioId, replicate);
  return { variant: v, digits, scenarioId, taskId, replicate, seed: taskSeed(grid.seed, taskId) };
}
