/**
 * tunes/schema.json: the JSON Schema of tune files, for editors. Generated
 * from the zod schema (`node dist/src/tune/json-schema.js` writes it); a test
 * fails when it is out of date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../sweep/output.js';
import { tuneJsonSchema } from './spec.js';

export const TUNE_SCHEMA_FILE = join(PACKAGE_ROOT, 'tunes', 'schema.json');

export function tuneSchemaText(): string {
  return `${JSON.stringify(tuneJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(TUNE_SCHEMA_FILE, tuneSchemaText());
  process.stdout.write(`wrote ${TUNE_SCHEMA_FILE}\n`);
}
