import { z } from 'zod';
import { POLICIES } from '../engine/policies/index.js';
import { WORKLOADS } from '../engine/workloads/index.js';
import type { ParamSpec, ParamSpecs, Scenario } from '../engine/types.js';
import { describeDimension, parseQuantity, type Dimension } from './quantity.js';
import { describeFound } from '../common/errors.js';
import { suggest } from '../common/errors.js';
import { DEFAULT_COMPRESSIBILITY } from '../engine/wire/compression.js';
import { DEFAULT_DELTA_BYTES } from '../engine/wire/xbzrle.js';

/**
 * The scenario schema, built from the policy and workload registries so that
 * a new policy file needs no edit here. Quantities are parsed to base units
 * by the schema itself (once, at the edge).
 */

const DIMENSION_NAME: Record<Dimension, string> = { bytes: 'size', rate: 'rate', time: 'duration' };

interface Bounds {
  positive?: boolean;
  min?: number;
  max?: number;
}

function boundsProblem(value: number, b: Bounds, what: string): string | null {
  if (b.positive && !(value > 0)) return `expected a positive ${what}`;
  if (b.min !== undefined && value < b.min) return `expected a ${what} >= ${b.min}`;
  if (b.max !== undefined && value > b.max) return `expected a ${what} <= ${b.max}`;
  return null;
}

/** A quantity with a unit (`100MiB/s`), or a bare number in base units. */
export function quantity(dim: Dimension, bounds: Bounds = {}, doc = '') {
  return z
    .union([z.number(), z.string()], { error: (iss) => `expected ${describeDimension(dim)}, found ${describeFound(iss.input)}` })
    .transform((v, ctx) => {
      const r = parseQuantity(v, dim);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.reason, input: v });
        return z.NEVER;
      }
      const bad = boundsProblem(r.value, bounds, DIMENSION_NAME[dim]);
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `${bad}, found ${describeFound(v)}`, input: v });
        return z.NEVER;
      }
      return r.value;
    })
    .describe(doc || describeDimension(dim));
}

function numberParam(spec: ParamSpec, integer: boolean) {
  const what = integer ? 'whole number' : spec.kind === 'share' ? 'share between 0 and 1' : 'number';
  return z
    .number({ error: (iss) => `expected a ${what}, found ${describeFound(iss.input)}` })
    .superRefine((v, ctx) => {
      if (!Number.isFinite(v)) ctx.addIssue({ code: 'custom', message: `expected a finite ${what}, found ${v}`, input: v });
      else if (integer && !Number.isInteger(v)) ctx.addIssue({ code: 'custom', message: `expected a whole number, found ${v}`, input: v });
      else {
        const bad = boundsProblem(v, spec, what);
        if (bad) ctx.addIssue({ code: 'custom', message: `${bad}, found ${v}`, input: v });
      }
    })
    .describe(spec.doc);
}

/** The zod schema of one policy or workload parameter, from its spec. */
export function paramSchema(spec: ParamSpec): z.ZodType {
  let s: z.ZodType;
  switch (spec.kind) {
    case 'bytes':
    case 'rate':
    case 'time':
      s = quantity(spec.kind, spec, spec.doc);
      break;
    case 'count':
      s = numberParam(spec, true);
      break;
    case 'number':
    case 'share':
      s = numberParam(spec, false);
      break;
    case 'enum': {
      const choices = spec.choices ?? [];
      s = z
        .string({ error: (iss) => `expected one of ${choices.join(' | ')}, found ${describeFound(iss.input)}` })
        .superRefine((v, ctx) => {
          if (!choices.includes(v)) ctx.addIssue({ code: 'custom', message: `expected one of ${choices.join(' | ')}, found '${v}'${suggest(v, choices)}`, input: v });
        })
        .describe(spec.doc);
      break;
    }
    case 'bool':
      s = z.boolean({ error: (iss) => `expected true or false, found ${describeFound(iss.input)}` }).describe(spec.doc);
      break;
    case 'trace':
      // a file name in the file; the validator reads it first (trace-file.ts) and puts the rates here
      s = z
        .union([z.string(), z.object({ path: z.string(), timesS: z.array(z.number()), ratesBytesPerSec: z.array(z.number()) })], {
          error: (iss) => `expected the name of a trace file (CSV), found ${describeFound(iss.input)}`,
        })
        .refine((v) => typeof v !== 'string', { message: 'the trace file was not read (validate with a file context)' })
        .describe(spec.doc);
      break;
  }
  if (spec.default === null)
    return s
      .nullable()
      .optional()
      .transform((v) => v ?? null);
  if (spec.default !== undefined) return s.optional().transform((v) => (v === undefined ? spec.default : v));
  return s;
}

function paramsShape(specs: ParamSpecs): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, spec] of Object.entries(specs)) shape[name] = paramSchema(spec);
  return shape;
}

function kindsUnion(entries: z.ZodObject[], what: string) {
  return z.discriminatedUnion('kind', entries as [z.ZodObject, ...z.ZodObject[]], {
    error: () => `unknown ${what} kind`,
  });
}

export function policyEntrySchema() {
  const entries = Object.values(POLICIES).map((m) => z.strictObject({ kind: z.literal(m.kind).describe(`${m.role}: ${m.summary}`), ...paramsShape(m.params) }));
  return kindsUnion(entries, 'policy');
}

export function workloadSchema() {
  const common = {
    dirtyRate: quantity('rate', { min: 0 }, 'bytes/s of page writes (linear: of newly dirtied bytes), e.g. 100MiB/s'),
    workingSet: quantity('bytes', { positive: true }, 'pages the guest writes; default: all RAM that does not hold zero pages')
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    layout: z
      .enum(['scattered', 'contiguous'], { error: (iss) => `expected scattered or contiguous, found ${describeFound(iss.input)}` })
      .optional()
      .transform((v) => v ?? 'scattered')
      .describe(
        'scattered pages or the working set in one block: page fidelity lays pages out so; the fluid model takes the XBZRLE cache slots they fill from it (docs/wire.md#xbzrle)',
      ),
    cpuShare: numberParam(
      {
        kind: 'number',
        positive: true,
        max: 1,
        doc: 'share of vCPU time the writer needs; a CPU throttle leaving less slows it in proportion; default 1 (the rate follows run time)',
      },
      false,
    )
      .optional()
      .transform((v) => v ?? 1),
    compressibility: numberParam(
      {
        kind: 'share',
        positive: true,
        max: 1,
        doc: `compressed / raw size of a written page at QEMU's default zlib/zstd level (multifdCompression); default: the preset's, else ${DEFAULT_COMPRESSIBILITY} (docs/wire.md#compression)`,
      },
      false,
    )
      .optional()
      .transform((v) => v ?? DEFAULT_COMPRESSIBILITY),
    deltaBytes: quantity(
      'bytes',
      { min: 0 },
      `bytes XBZRLE encodes for a re-written page (what a write changes; a page or more overflows); default ${DEFAULT_DELTA_BYTES} (docs/wire.md#xbzrle)`,
    )
      .optional()
      .transform((v) => v ?? DEFAULT_DELTA_BYTES),
    workingSetShare: numberParam({ kind: 'share', positive: true, max: 1, doc: 'the working set as a share of RAM, when workingSet is not given (whole pages)' }, false)
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    fluctuation: z
      .strictObject({
        spread: numberParam({ kind: 'number', min: 0, max: 3, doc: 'sigma of the log-normal factor on the write rate (0 = steady; 0.3 = about +-30 %)' }, false),
        period: quantity('time', { positive: true }, 'how long each drawn rate holds; default 1s')
          .optional()
          .transform((v) => v ?? 1),
        correlation: quantity('time', { min: 0 }, 'correlation time of the rate from period to period (0 = independent periods); default 10s')
          .optional()
          .transform((v) => v ?? 10),
      })
      .nullable()
      .optional()
      .transform((v) => v ?? null)
      .describe('a seeded fluctuation of the write rate around its mean (docs/engine-model.md#fluctuating-dirty-rates)'),
    duration: quantity('time', { positive: true }, 'the guest stops writing after this long (a build that ends); default: never')
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    preset: z
      .string()
      .nullable()
      .optional()
      .transform((v) => v ?? null)
      .describe('a named application from the catalogue (docs/workloads.md); its fields are the defaults of this workload'),
  };
  const entries = Object.values(WORKLOADS).map((w) => {
    // a trace brings its own rates: dirtyRate is filled in from it
    const { dirtyRate, ...rest } = common;
    const base = w.kind === 'trace' ? rest : { dirtyRate, ...rest };
    return z.strictObject({ kind: z.literal(w.kind).describe(w.summary), ...base, ...paramsShape(w.params) });
  });
  return kindsUnion(entries, 'workload');
}

export function estimatorSchema() {
  return kindsUnion(
    [
      z.strictObject({ kind: z.literal('wire').describe('bytes on the wire in the last measuring period / its length') }),
      z.strictObject({
        kind: z.literal('buffer').describe("QEMU 0.15's per-call buffer bandwidth: a fixed buffer-fill rate"),
        bufferRate: quantity('rate', { positive: true }, 'the buffer-fill rate (default 2.5GB/s)').optional(),
      }),
      z.strictObject({
        kind: z.literal('bias').describe('factor x the wire rate'),
        factor: numberParam({ kind: 'number', positive: true, doc: 'estimate / true wire rate' }, false),
      }),
    ],
    'estimator',
  );
}

/** One VFIO device of `vm.devices` (docs/wire.md#device-state). */
export function deviceSchema() {
  return z.strictObject({
    name: z
      .string({ error: (iss) => `expected the device's name (e.g. gpu0), found ${describeFound(iss.input)}` })
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: "expected a name of letters, digits, '_', '.' or '-' (it names the device's columns), e.g. gpu0" })
      .describe('a name for the device, unique in vm.devices'),
    precopyBytes: quantity('bytes', { min: 0 }, 'initial data the device offers in pre-copy (0: none); default 0')
      .optional()
      .transform((v) => v ?? 0),
    stopCopyBytes: quantity('bytes', { min: 0 }, 'data the device hands over once stopped, moved in the downtime, e.g. 512MiB'),
    dirtyTracking: z
      .boolean({ error: (iss) => `expected true or false, found ${describeFound(iss.input)}` })
      .optional()
      .transform((v) => v ?? true)
      .describe('false: neither the device nor the IOMMU tracks DMA writes, so QEMU marks all guest RAM dirty at every sync; default true'),
    loadTime: quantity('time', { min: 0 }, 'time the destination takes to load the initial data (switchover-ack waits for it); default 0')
      .optional()
      .transform((v) => v ?? 0),
  });
}

const FIDELITIES = ['fluid', 'page'] as const;

/** The base a scenario without `policy` runs. */
export const DEFAULT_BASE = 'precopy';

/** The shape of every scenario section, keyed as in the file (for unknown-key suggestions). */
export const SECTION_KEYS = {
  top: ['vm', 'workload', 'link', 'policy', 'estimator', 'horizon', 'seed', 'fidelity'],
  vm: ['ram', 'pageSize', 'zeroShare', 'vcpus', 'deviceState', 'devices'],
  device: ['name', 'precopyBytes', 'stopCopyBytes', 'dirtyTracking', 'loadTime'],
  link: ['bandwidth', 'latency', 'jitter'],
} as const;

/**
 * The scenario schema. `policyList` decides how a policy is accepted: the
 * validator normalises a single entry to a one-entry list first; the JSON
 * Schema for editors accepts both forms.
 */
export function scenarioSchema(forEditors = false) {
  const entry = policyEntrySchema();
  const policy = forEditors
    ? z.union([entry, z.array(entry).min(1)])
    : z.preprocess(
        (v): unknown[] => (v === undefined ? [{ kind: DEFAULT_BASE }] : Array.isArray(v) ? (v as unknown[]) : [v]),
        z.array(entry).min(1, { message: 'expected at least one policy (a base first)' }),
      );
  return z.strictObject({
    vm: z.strictObject({
      ram: quantity('bytes', { positive: true }, 'guest RAM, e.g. 4GiB'),
      pageSize: quantity('bytes', { positive: true }, 'page size, default 4KiB')
        .optional()
        .transform((v) => v ?? 4096),
      zeroShare: numberParam({ kind: 'share', min: 0, max: 1, doc: 'share of RAM holding zero pages (never written)' }, false)
        .optional()
        .transform((v) => v ?? 0),
      vcpus: numberParam({ kind: 'count', min: 1, doc: 'vCPUs (throttle accounting, per-vCPU dirty limits); default 1' }, true)
        .optional()
        .transform((v) => v ?? 1),
      deviceState: quantity('bytes', { min: 0 }, 'device state sent while the guest is stopped; default 0')
        .optional()
        .transform((v) => v ?? 0),
      devices: z
        .array(deviceSchema(), { error: (iss) => `expected a list of devices ({ name, stopCopyBytes, ... }), found ${describeFound(iss.input)}` })
        .optional()
        .describe('VFIO devices with migration support (docs/wire.md#device-state); default none'),
    }),
    workload: workloadSchema(),
    link: z.strictObject({
      bandwidth: quantity('rate', { positive: true }, 'wire bandwidth, e.g. 1Gbit/s'),
      latency: quantity('time', { min: 0 }, 'one-way latency, default 0')
        .optional()
        .transform((v) => v ?? 0),
      jitter: numberParam(
        { kind: 'number', min: 0, max: 2, doc: 'per-period variation of the link rate: sigma of a mean-preserving log-normal factor (0.1 = about 10%); default 0' },
        false,
      )
        .optional()
        .transform((v) => v ?? 0),
    }),
    policy: forEditors ? policy.optional() : policy,
    estimator: estimatorSchema()
      .nullable()
      .optional()
      .transform((v) => v ?? null),
    horizon: quantity('time', { positive: true }, 'a migration still running then is unfinished; default 1h')
      .optional()
      .transform((v) => v ?? 3600),
    seed: numberParam({ kind: 'count', min: 0, doc: 'seed of the random generator (page fidelity)' }, true)
      .optional()
      .transform((v) => v ?? 1),
    fidelity: z
      .enum(FIDELITIES, { error: (iss) => `expected one of ${FIDELITIES.join(' | ')}, found ${describeFound(iss.input)}` })
      .optional()
      .transform((v) => v ?? 'fluid'),
  });
}

export type ParsedScenario = Scenario;
