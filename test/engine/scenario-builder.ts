import type { PolicyEntry, Scenario } from '../../src/engine/types.js';
import { validateScenario } from '../../src/scenario/validate.js';

export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

/**
 * A scenario for tests, built through the real validator (so defaults are
 * the ones users get), from a raw object in the file format.
 */
export function scenario(raw: Record<string, unknown>): Scenario {
  return validateScenario(raw, { file: '<test>' });
}

/** Shorthand: RAM, workload, link bandwidth (bytes/s) and a policy list. */
export function basic(opts: {
  ram: number;
  workload: Record<string, unknown>;
  bandwidth: number;
  policy: Record<string, unknown>[];
  zeroShare?: number;
  horizon?: number;
  latency?: number;
  fidelity?: 'fluid' | 'page';
  seed?: number;
  estimator?: Record<string, unknown>;
  jitter?: number;
}): Scenario {
  return scenario({
    vm: { ram: opts.ram, zeroShare: opts.zeroShare ?? 0 },
    workload: opts.workload,
    link: { bandwidth: opts.bandwidth, latency: opts.latency ?? 0, jitter: opts.jitter ?? 0 },
    policy: opts.policy,
    horizon: opts.horizon ?? 3600,
    seed: opts.seed ?? 1,
    fidelity: opts.fidelity ?? 'fluid',
    ...(opts.estimator ? { estimator: opts.estimator } : {}),
  });
}

export type { PolicyEntry };

/** |a - b| <= rel x max(|a|, |b|), with a message that shows both. */
export function assertClose(actual: number, expected: number, rel: number, what: string): void {
  const scale = Math.max(Math.abs(actual), Math.abs(expected), 1e-300);
  if (!(Math.abs(actual - expected) <= rel * scale)) {
    throw new Error(`${what}: expected ${expected}, got ${actual} (relative error ${(Math.abs(actual - expected) / scale).toExponential(2)} > ${rel})`);
  }
}

/** A small seeded generator for property tests (mulberry32), independent of the engine's. */
export function testRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
