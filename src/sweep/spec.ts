/**
 * The sweep file's schema (zod), its JSON Schema for editors
 * (sweeps/schema.json), and the structural check of a file: every key known,
 * every value of the right shape, with the file's line and the nearest valid
 * name. Whether the scenarios the file expands to are valid is resolve.ts's
 * job.
 */
import { z } from 'zod';
import { parseMapping, readSourceText, type SourceDocument } from '../scenario/document.js';
import { InputError, suggest, type InputProblem } from '../common/errors.js';
import { formatPathSegments, parsePath, type PathSegment } from '../scenario/path.js';
import { describeFound } from '../common/errors.js';
import { scenarioSchema } from '../scenario/schema.js';
import type { SweepSpec } from './types.js';

/** A sweep name becomes a folder name under results/. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const scalarOrQuantity = z.union([z.number(), z.string()]);

const pathKey = z
  .string()
  .refine((k) => parsePath(k) !== null, { message: 'expected a scenario path such as workload.dirtyRate or policy[1].passes' })
  .describe('a scenario path: workload.dirtyRate, link.bandwidth, policy[1].passes');

export const rangeSchema = z
  .strictObject({
    from: scalarOrQuantity.describe('first value: a number in base units or a quantity (1MiB/s, 100Mbit/s, 30ms)'),
    to: scalarOrQuantity.describe('last value, included'),
    steps: z.number().int().min(2).optional().describe('how many values, both ends included'),
    step: scalarOrQuantity.optional().describe('linear ranges: the distance between two values (instead of steps)'),
    scale: z.enum(['linear', 'log']).optional().describe('linear (default) or log: equal ratios between values'),
    round: z.boolean().optional().describe('round every value to a whole number (for counts such as passes)'),
  })
  .describe('a range of values');

export const axisSchema = z
  .union([z.array(z.unknown()).min(1).describe('the values, as a scenario would write them'), rangeSchema])
  .describe('an axis: a list of values or a range');

const axesSchema = z.record(pathKey, axisSchema).describe('axes crossed with each other: scenario path -> values');

const zipSchema = z
  .array(z.record(pathKey, axisSchema).describe('paths whose values advance together (lists of the same length)'))
  .describe('groups of paths that advance together; each group is one axis');

export const variantSchema = z
  .strictObject({
    name: z.string().min(1).describe('the name of the variant in runs.csv, summary.csv and the report'),
    description: z.string().optional(),
    set: z.record(pathKey, z.unknown()).optional().describe('values set on the base for this variant: scenario path -> value'),
    axes: axesSchema.optional().describe("the variant's own axes, crossed with the sweep's axes"),
    zip: zipSchema.optional(),
  })
  .describe('a policy variant: the base with `set` applied, with its own grid of constants');

// ---- charts: owned by the report (src/report). Until the report's schema
// replaces this line, any list of mappings is accepted and copied into
// manifest.json unvalidated. ----
import { chartsSchema, singleVmChartsSchema } from '../report/charts-schema.js';
export { chartsSchema };
// ---- end of the report's part ----

/** Keys of the sweep file and of a variant (for "did you mean"). */
export const SWEEP_KEYS = ['name', 'description', 'seed', 'replicates', 'base', 'axes', 'zip', 'variants', 'charts'] as const;
const VARIANT_KEYS = Object.keys(variantSchema.shape);
const RANGE_KEYS = Object.keys(rangeSchema.shape);

/**
 * The sweep file schema. For editors, `base` is the scenario schema; when
 * reading, `base` is only required to be a mapping here, because resolve.ts
 * validates it (and every scenario the sweep expands to) with the scenario
 * validator, which knows the file positions and the policy registry.
 */
export function sweepSchema(forEditors = false) {
  return z
    .strictObject({
      $schema: z.string().optional().describe('the JSON Schema this file follows (for editors)'),
      name: z.string().regex(NAME).optional().describe('the folder name under results/; default: the file name'),
      description: z.string().optional(),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .optional()
        .describe('the sweep seed; every task gets a seed from it and its id (default 1)'),
      replicates: z.number().int().min(1).optional().describe('runs per scenario (default 1); they differ only by their seeds'),
      base: (forEditors ? scenarioSchema(true) : z.record(z.string(), z.unknown())).describe('the scenario every task starts from (as `migsweep run` reads it)'),
      axes: axesSchema.optional(),
      zip: zipSchema.optional(),
      variants: z.array(variantSchema).min(1).optional().describe('policy variants, each crossed with the axes; default: the base alone'),
      charts: singleVmChartsSchema.optional(),
    })
    .describe('a migsweep sweep file (docs/sweeps.md)');
}

/** The JSON Schema editors use to check sweep files (written to sweeps/schema.json). */
export function sweepJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(sweepSchema(true), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'migsweep sweep file' };
}

/** A sweep file read and checked for shape, with its text and a way to point at lines. */
export interface SweepSource {
  file: string;
  text: string;
  doc: SourceDocument;
  spec: SweepSpec;
}

/** Read a sweep file and check its shape; every problem is an InputError with file, line, path, expected, found. */
export function readSweep(file: string): SweepSource {
  return parseSweep(file, readSourceText(file));
}

/** Check the shape of a sweep file's text (`file` names it in messages). */
export function parseSweep(file: string, text: string): SweepSource {
  const doc = parseMapping(file, text, 'a sweep: a mapping with base, axes, variants, ...');
  const spec = checkShape(file, doc, sweepSchema(), (issues) => dedupe(issues.flatMap((iss) => explain(iss, []))));
  return { file, text, doc, spec };
}

/**
 * A file's document checked against its schema (a sweep's, a tune's): the
 * data, or an InputError with the first 12 problems `explain` finds in the
 * schema's issues, each placed at its line.
 */
export function checkShape<T>(file: string, doc: SourceDocument, schema: z.ZodType<T>, explain: (issues: z.core.$ZodIssue[]) => Problem[]): T {
  const res = schema.safeParse(doc.data, { reportInput: true });
  if (res.success) return res.data;
  throw new InputError(
    file,
    explain(res.error.issues)
      .slice(0, 12)
      .map((p) => placeAt(doc, p.path, p.message)),
  );
}

export interface Problem {
  path: PathSegment[];
  message: string;
}

/** A problem at a place of the sweep file, with its line and column. */
export function placeAt(doc: SourceDocument, path: readonly PathSegment[], message: string): InputProblem {
  const pos = doc.locate(path);
  return { path: formatPathSegments(path), message, line: pos?.line, col: pos?.col };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${formatPathSegments(p.path)}\0${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  string: 'a text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** Turn a zod issue into messages that say where, what was expected and what was found. */
function explain(iss: z.core.$ZodIssue, prefix: PathSegment[]): Problem[] {
  const path = [...prefix, ...iss.path.filter((s): s is PathSegment => typeof s !== 'symbol')];
  const input = (iss as { input?: unknown }).input;
  switch (iss.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(path);
      return iss.keys.map((k) => ({
        path: [...path, k],
        message: `unknown key '${k}'${suggest(k, allowed)} (allowed here: ${allowed.join(', ')})`,
      }));
    }
    case 'invalid_union': {
      // An axis: explain the branch that matches the input's shape.
      const branch = Array.isArray(input) ? 0 : input !== null && typeof input === 'object' ? 1 : -1;
      if (branch >= 0 && iss.errors[branch]) return iss.errors[branch].flatMap((sub) => explain(sub, path));
      return [{ path, message: `expected a list of values or a range { from, to, steps, scale }, found ${describeFound(input)}` }];
    }
    case 'invalid_key':
      return [{ path, message: `not a scenario path; expected a path such as workload.dirtyRate or policy[1].passes` }];
    case 'invalid_type': {
      const what = `${TYPE_WORDS[iss.expected] ?? iss.expected}${meaningOf(path) ? ` (${meaningOf(path)})` : ''}`;
      if (input === undefined) return [{ path, message: `missing; expected ${what}` }];
      return [{ path, message: `expected ${what}, found ${describeFound(input)}` }];
    }
    case 'too_small':
      if (iss.origin === 'array') return [{ path, message: `expected at least ${iss.minimum} ${Number(iss.minimum) === 1 ? 'entry' : 'entries'}, found an empty list` }];
      if (iss.origin === 'string') return [{ path, message: 'expected a non-empty text' }];
      if (path[path.length - 1] === 'seed') return [{ path, message: `expected ${meaningOf(path)}, found ${describeFound(input)}` }];
      return [{ path, message: `expected ${meaningOf(path) ?? 'a number'} >= ${iss.minimum}, found ${describeFound(input)}` }];
    case 'too_big':
      return [{ path, message: `expected ${meaningOf(path) ?? `a number <= ${iss.maximum}`}, found ${describeFound(input)}` }];
    case 'invalid_format':
      if (path[path.length - 1] === 'name')
        return [{ path, message: `expected a name of letters, digits, '.', '_' or '-' (it becomes a folder name), found ${describeFound(input)}` }];
      return [{ path, message: `${iss.message}, found ${describeFound(input)}` }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${iss.values.map((v) => String(v)).join(' | ')}, found ${describeFound(input)}` }];
    default:
      return [{ path, message: `${iss.message}${input !== undefined ? `, found ${describeFound(input)}` : ''}` }];
  }
}

/** What a number at this place means, for messages. */
function meaningOf(path: PathSegment[]): string | undefined {
  const last = path[path.length - 1];
  if (last === 'seed') return 'a whole number from 0 to 4294967295';
  if (last === 'replicates') return 'a whole number of runs per scenario';
  if (last === 'steps') return 'a whole number of values';
  return undefined;
}

function allowedKeys(path: PathSegment[]): string[] {
  if (path.length === 0) return [...SWEEP_KEYS];
  if (path[0] === 'variants' && path.length === 2) return VARIANT_KEYS;
  return RANGE_KEYS;
}
