/**
 * The tune file's schema (zod), its JSON Schema for editors
 * (tunes/schema.json), and the structural check of a file: every key known,
 * every value of the right shape, with the file's line and the nearest valid
 * name. The population is a sweep's axes (src/sweep/spec.ts); whether the
 * scenarios and the search paths are valid is problem.ts's job.
 */
import { z } from 'zod';
import { parseMapping, readSourceText, type SourceDocument } from '../scenario/document.js';
import { suggest } from '../common/errors.js';
import { parsePath, type PathSegment } from '../scenario/path.js';
import { describeFound } from '../common/errors.js';
import { scenarioSchema } from '../scenario/schema.js';
import { axisSchema, checkShape } from '../sweep/spec.js';
import { DISTRIBUTION_KINDS, isDistributionSpec } from '../scenario/distribution.js';
import type { TuneSpec } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const pathKey = z
  .string()
  .refine((k) => parsePath(k) !== null, { message: 'expected a scenario path such as workload.dirtyRate or policy[1].steps' })
  .describe('a scenario path: policy[0].downtimeLimit, policy[1].steps');

const scalarOrQuantity = z.union([z.number(), z.string()]);

export const searchRangeSchema = z
  .strictObject({
    from: scalarOrQuantity.describe('lowest value: a number in base units or a quantity (100ms, 1GiB/s)'),
    to: scalarOrQuantity.describe('highest value, included'),
    scale: z.enum(['linear', 'log']).optional().describe('linear (default) or log: searched in equal ratios'),
    round: z.boolean().optional().describe('whole numbers only (counts such as steps)'),
  })
  .describe('a range searched between its ends');

const searchDimSchema = z
  .union([
    z
      .array(z.union([z.number(), z.string()]))
      .min(1)
      .describe('the values to try, as a scenario would write them'),
    searchRangeSchema,
  ])
  .describe('a search dimension: a range or a list of values');

/** A distribution as editors see it; the tune reads it (and says what is wrong with it) in src/scenario/distribution.ts. */
const distributionSchema = z
  .looseObject({
    distribution: z.enum(DISTRIBUTION_KINDS).describe('uniform, loguniform (from, to); normal (mean, sigma), lognormal (median, sigma); choice (values, weights)'),
    samples: z.number().int().min(1).describe('how many values to draw: one in each of as many equal-probability slices'),
    from: scalarOrQuantity.optional().describe('uniform, loguniform: the lowest value'),
    to: scalarOrQuantity.optional().describe('uniform, loguniform: the highest value'),
    mean: scalarOrQuantity.optional().describe('normal: the mean'),
    median: scalarOrQuantity.optional().describe('lognormal: the median'),
    sigma: scalarOrQuantity.optional().describe("normal: the standard deviation, in the value's unit; lognormal: the logarithm's, a plain number"),
    min: scalarOrQuantity.optional().describe('normal, lognormal: truncate below'),
    max: scalarOrQuantity.optional().describe('normal, lognormal: truncate above'),
    values: z.array(z.unknown()).min(1).optional().describe('choice: the values'),
    weights: z.array(z.number().min(0)).optional().describe('choice: a weight per value (default: equal)'),
    round: z.boolean().optional().describe('round every draw to a whole number'),
  })
  .describe('values drawn from a seeded distribution (docs/tune.md#distributions)');

/** Anything written as a distribution passes here: its own reader names what is wrong, with the nearest names. */
const distributionGate = z.custom<Record<string, unknown>>(isDistributionSpec);

function populationSchema(forEditors: boolean) {
  const axis = z.union([...axisSchema.options, forEditors ? distributionSchema : distributionGate]).describe("an axis: a list of values, a range, or a distribution's draws");
  return z
    .strictObject({
      axes: z.record(pathKey, axis).optional().describe("axes crossed with each other, as a sweep's axes: scenario path -> values"),
      zip: z.array(z.record(pathKey, axis)).optional().describe('groups of paths that advance together; each group is one axis'),
      replicates: z.number().int().min(1).optional().describe('runs per population point, each with its own seed (default 1)'),
    })
    .describe('the workloads and links every constraint must hold for');
}

const objectiveSchema = z
  .strictObject({
    minimize: z.string().optional().describe('a statistic: metric.stat (totalTimeMs.mean) or a share (abortedShare)'),
    maximize: z.string().optional().describe('a statistic: metric.stat or a share'),
  })
  .describe('the statistic to optimise; absent: the Pareto set over the constrained statistics');

export const TUNE_KEYS = ['$schema', 'name', 'description', 'seed', 'base', 'population', 'search', 'constraints', 'objective'] as const;
const KEYS_AT: Record<string, string[]> = {
  '': [...TUNE_KEYS],
  population: Object.keys(populationSchema(false).shape),
  objective: Object.keys(objectiveSchema.shape),
  search: Object.keys(searchRangeSchema.shape),
};

export function tuneSchema(forEditors = false) {
  return z
    .strictObject({
      $schema: z.string().optional().describe('the JSON Schema this file follows (for editors)'),
      name: z.string().regex(NAME).optional().describe('the folder name under results/tune/; default: the file name'),
      description: z.string().optional(),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .optional()
        .describe('the population seed: every run gets a seed from it, its population point and replicate (default 1)'),
      base: (forEditors
        ? z.union([
            scenarioSchema(true),
            z.looseObject({ hosts: z.record(z.string(), z.unknown()), vms: z.array(z.unknown()) }).describe('a fleet, as migsweep run reads it (docs/fleets.md)'),
          ])
        : z.record(z.string(), z.unknown())
      ).describe('the scenario (or fleet) every population point and candidate starts from'),
      population: populationSchema(forEditors).optional(),
      search: z.record(pathKey, searchDimSchema).describe('the constants to tune: scenario path -> range or list'),
      constraints: z.array(z.string()).optional().describe('conditions over the population: "downtimeMs.p99 <= 1s", "abortedShare <= 0.02"'),
      objective: objectiveSchema.optional(),
    })
    .describe('a migsweep tune file (docs/tune.md)');
}

export function tuneJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(tuneSchema(true), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'migsweep tune file' };
}

export interface TuneSource {
  file: string;
  text: string;
  doc: SourceDocument;
  spec: TuneSpec;
}

export function readTune(file: string): TuneSource {
  return parseTune(file, readSourceText(file));
}

export function parseTune(file: string, text: string): TuneSource {
  const doc = parseMapping(file, text, 'a tune file: a mapping with base, population, search, constraints, objective');
  const spec = checkShape(file, doc, tuneSchema(), (issues) => issues.flatMap((iss) => explain(iss)));
  return { file, text, doc, spec };
}

function explain(iss: z.core.$ZodIssue): { path: PathSegment[]; message: string }[] {
  const path = iss.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const input = (iss as { input?: unknown }).input;
  switch (iss.code) {
    case 'unrecognized_keys': {
      const allowed = KEYS_AT[path.length === 0 ? '' : String(path[0])] ?? [];
      return iss.keys.map((k) => ({ path: [...path, k], message: `unknown key '${k}'${suggest(k, allowed)} (allowed here: ${allowed.join(', ')})` }));
    }
    case 'invalid_union': {
      const branch = Array.isArray(input) ? 0 : input !== null && typeof input === 'object' ? 1 : -1;
      const sub = branch >= 0 ? iss.errors[branch] : undefined;
      if (sub) return sub.flatMap((s) => explain({ ...s, path: [...path, ...s.path] }));
      return [{ path, message: `expected a list of values or a range { from, to, scale, round }, found ${describeFound(input)}` }];
    }
    case 'invalid_type':
      if (input === undefined) return [{ path, message: `missing; expected ${iss.expected}` }];
      return [{ path, message: `expected ${iss.expected}, found ${describeFound(input)}` }];
    case 'too_small':
      if (iss.origin === 'array') return [{ path, message: 'expected at least one entry, found an empty list' }];
      return [{ path, message: `expected a number >= ${String(iss.minimum)}, found ${describeFound(input)}` }];
    case 'too_big':
      return [{ path, message: `expected a number <= ${String(iss.maximum)}, found ${describeFound(input)}` }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${iss.values.map((v) => String(v)).join(' | ')}, found ${describeFound(input)}` }];
    case 'invalid_format':
      return [{ path, message: `expected a name of letters, digits, '.', '_' or '-' (it becomes a folder name), found ${describeFound(input)}` }];
    default:
      return [{ path, message: `${iss.message}${input !== undefined ? `, found ${describeFound(input)}` : ''}` }];
  }
}
