/**
 * `--json` and `--out FILE`: the whole comparison, every scenario included
 * (the report's compare chart reads it back). A relative change from a
 * baseline of 0 is infinite and JSON writes it as null; `change` holds it.
 */
import type { Exporter } from './index.js';

const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const json: Exporter = { runs: text, bench: text };
