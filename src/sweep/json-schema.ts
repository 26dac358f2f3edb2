/**
 * sweeps/schema.json: the JSON Schema of sweep files, for editors (a sweep
 * file's first line `# yaml-language-server: $schema=./schema.json`).
 * Generated from the zod schema: `npm run schema` writes it, and a test
 * fails when it is out of date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from './output.js';
import { sweepJsonSchema } from './spec.js';

export const SCHEMA_FILE = join(PACKAGE_ROOT, 'sweeps', 'schema.json');

export function schemaText(): string {
  return `${JSON.stringify(sweepJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, schemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
