/**
 * The unit ladders every module shows quantities in: one home for the
 * factors, so that a table, a chart axis, a label inside a chart cell and
 * the parser of sweep files agree on what a GiB, a Gbit/s or a minute is.
 * Each ladder runs from the smallest unit to the largest; a factor is how
 * many base units (bytes, bytes per second, milliseconds) one unit holds.
 */

/** A unit and its size in base units. */
export type UnitStep = readonly [unit: string, factor: number];

/** Sizes in binary units, as memory is counted: 1 GiB = 1024^3 bytes. */
export const BYTE_LADDER: readonly UnitStep[] = [
  ['B', 1],
  ['KiB', 1024],
  ['MiB', 1024 ** 2],
  ['GiB', 1024 ** 3],
  ['TiB', 1024 ** 4],
];

/** Memory rates (a guest's dirty rate): the byte ladder per second. */
export const BYTE_RATE_LADDER: readonly UnitStep[] = BYTE_LADDER.map(([u, f]) => [`${u}/s`, f] as const);

/** Link speeds in decimal bits per second, as network people quote them: 1 Gbit/s = 1.25e8 bytes/s. */
export const LINK_RATE_LADDER: readonly UnitStep[] = [
  ['bit/s', 1 / 8],
  ['kbit/s', 1e3 / 8],
  ['Mbit/s', 1e6 / 8],
  ['Gbit/s', 1e9 / 8],
  ['Tbit/s', 1e12 / 8],
];

/** Durations, the CSV's times being milliseconds. */
export const TIME_LADDER_MS: readonly UnitStep[] = [
  ['ms', 1],
  ['s', 1000],
  ['min', 60_000],
  ['h', 3_600_000],
];

/** The factor of `unit` in `ladder` (a typo in a caller is a crash in its tests, not a silent 1). */
export function unitFactor(ladder: readonly UnitStep[], unit: string): number {
  const step = ladder.find(([u]) => u === unit);
  if (step === undefined) throw new Error(`internal: no unit ${unit} in ${ladder.map(([u]) => u).join(', ')}`);
  return step[1];
}
