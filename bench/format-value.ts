/** How a bench figure is printed, in the bench's own table and in the generated README table: 1,234 from 100 up, 3 significant digits below. */
export function formatBenchValue(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}
