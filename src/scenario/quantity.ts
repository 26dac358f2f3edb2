/**
 * Quantities as people write them (`4GiB`, `100MiB/s`, `1Gbit/s`, `30ms`, `1h`)
 * turned into base units (bytes, bytes per second, seconds) once, at the edge.
 */

import { describeFound } from '../common/errors.js';
import { BYTE_LADDER, LINK_RATE_LADDER } from '../common/units.js';

export type Dimension = 'bytes' | 'rate' | 'time';

const BYTE_UNITS: Record<string, number> = {
  ...Object.fromEntries(BYTE_LADDER),
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
};

/** Bit rates are decimal (1 Gbit/s = 1e9 bit/s = 1.25e8 B/s), as network people use them. */
const BIT_RATE_UNITS: Record<string, number> = {
  ...Object.fromEntries(LINK_RATE_LADDER),
  bps: 1 / 8,
  kbps: 1e3 / 8,
  Kbps: 1e3 / 8,
  Mbps: 1e6 / 8,
  Gbps: 1e9 / 8,
  Tbps: 1e12 / 8,
};

const TIME_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  sec: 1,
  min: 60,
  h: 3600,
};

const EXAMPLES: Record<Dimension, string> = {
  bytes: 'a size such as 4GiB, 512MiB, 4KiB or a number of bytes',
  rate: 'a rate such as 100MiB/s, 1Gbit/s, 10Gbit/s or a number of bytes per second',
  time: 'a duration such as 30ms, 60s, 5min, 1h or a number of seconds',
};

export function describeDimension(dim: Dimension): string {
  return EXAMPLES[dim];
}

function unitTable(dim: Dimension): Record<string, number> {
  if (dim === 'bytes') return BYTE_UNITS;
  if (dim === 'time') return TIME_UNITS;
  const rate: Record<string, number> = { ...BIT_RATE_UNITS };
  for (const [u, f] of Object.entries(BYTE_UNITS)) rate[`${u}/s`] = f;
  return rate;
}

/** All unit spellings accepted for a dimension (for error messages and suggestions). */
export function unitsOf(dim: Dimension): string[] {
  return Object.keys(unitTable(dim));
}

const QUANTITY = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-zµ/]*)\s*$/;

export type ParseResult = { ok: true; value: number } | { ok: false; reason: string };

/**
 * Parse a quantity of the given dimension. A bare number (or numeric string)
 * is taken in base units. Returns a reason instead of throwing, so that the
 * caller can say where in which file the value was found.
 */
export function parseQuantity(input: unknown, dim: Dimension): ParseResult {
  if (typeof input === 'number') {
    return Number.isFinite(input) ? { ok: true, value: input } : { ok: false, reason: `expected ${EXAMPLES[dim]}, found ${input}` };
  }
  if (typeof input !== 'string') {
    return { ok: false, reason: `expected ${EXAMPLES[dim]}, found ${describeFound(input)}` };
  }
  const m = QUANTITY.exec(input);
  if (!m) return { ok: false, reason: `expected ${EXAMPLES[dim]}, found '${input}'` };
  const num = Number(m[1]);
  const unit = m[2] ?? '';
  if (unit === '') return { ok: true, value: num };
  const table = unitTable(dim);
  const factor = table[unit];
  if (factor === undefined) {
    const other = (['bytes', 'rate', 'time'] as Dimension[]).find((d) => d !== dim && unitTable(d)[unit] !== undefined);
    const hint = other ? ` ('${unit}' is a unit of ${other === 'rate' ? 'rate' : other === 'bytes' ? 'size' : 'time'})` : '';
    return { ok: false, reason: `expected ${EXAMPLES[dim]}, found '${input}'${hint}` };
  }
  return { ok: true, value: num * factor };
}
