import { entryOf, itemAt } from '../common/lookup.js';
import type { z } from 'zod';
import { POLICIES, baseKinds, ruleKinds } from '../engine/policies/index.js';
import { WORKLOADS } from '../engine/workloads/index.js';
import { WORKLOAD_PRESETS } from '../engine/workloads/presets.js';
import { workingSetBytes } from '../engine/workloads/layout.js';
import { wireProblems, wireWarnings } from '../engine/wire/checks.js';
import type { Scenario } from '../engine/types.js';
import { InputError, suggest, type InputProblem } from '../common/errors.js';
import { formatPathSegments, getPath, type PathSegment } from './path.js';
import { SECTION_KEYS, scenarioSchema } from './schema.js';
import { parseQuantity } from './quantity.js';
import { formatBytes } from '../common/format.js';
import { describeFound } from '../common/errors.js';
import { baseDirOf, meanRate, readTrace } from './trace-file.js';
import { resolve } from 'node:path';
import type { SourceDocument } from './document.js';

/** Pages a `page`-fidelity run may hold (a byte each, twice): 64 Mi pages = 256 GiB at 4 KiB. */
const MAX_PAGE_FIDELITY_PAGES = 64 * 1024 * 1024;

export interface ValidateContext {
  file: string;
  /** the document the data came from, to point at lines */
  doc?: SourceDocument;
  /** prefix of the scenario inside the document (a sweep's `base`) */
  prefix?: PathSegment[];
  /** paths set on the command line, by formatted path, with the argument given */
  overrides?: Map<string, string>;
  /** where relative trace files are found (default: beside `file`, else the working folder) */
  baseDir?: string;
  /** told, placed like problems, what is accepted but has no effect (scenarioWarnings); absent: not told */
  warn?: (w: InputProblem) => void;
}

let cachedSchema: ReturnType<typeof scenarioSchema> | null = null;

/** Validate raw data (from YAML/JSON) into a Scenario in base units, or throw an InputError with every problem found. */
export function validateScenario(given: unknown, ctx: ValidateContext): Scenario {
  cachedSchema ??= scenarioSchema();
  const problems: RawProblem[] = [];
  const raw = withTrace(withPreset(given, problems), ctx, problems);
  const res = cachedSchema.safeParse(raw, { reportInput: true });
  if (!res.success) {
    const traceUnread = problems.some((p) => p.path[1] === 'file'); // withTrace said why already
    const presetUnread = problems.some((p) => p.path[1] === 'preset'); // the workload's fields were never filled in
    for (const iss of res.error.issues) {
      if (traceUnread && iss.path[0] === 'workload' && iss.path[1] === 'file') continue;
      if (presetUnread && iss.path[0] === 'workload') continue;
      problems.push(...explain(iss, raw));
    }
  } else {
    problems.push(...crossChecks(res.data as Scenario, raw));
  }
  if (problems.length > 0)
    throw new InputError(
      ctx.file,
      problems.slice(0, 12).map((p) => place(p, ctx, raw)),
    );
  const s = res.data as Scenario;
  if (s.workload.kind === 'trace' && s.workload.file) s.workload.dirtyRate = meanRate(s.workload.file, s.horizon);
  if (ctx.warn !== undefined) for (const w of scenarioWarnings(s)) ctx.warn(place(w, ctx, raw));
  return s;
}

/**
 * A `trace` workload names a file: read it now (the edge), relative to the
 * scenario's file, so that the engine gets the rates. Problems in the trace
 * file are reported at workload.file with the trace's own line.
 */
function withTrace(raw: unknown, ctx: ValidateContext, problems: RawProblem[]): unknown {
  const w = (raw as { workload?: { kind?: unknown; file?: unknown } } | null)?.workload;
  if (w?.kind !== 'trace' || typeof w.file !== 'string') return raw;
  const page = parseQuantity((raw as { vm?: { pageSize?: unknown } }).vm?.pageSize ?? 4096, 'bytes');
  const read = readTrace(resolve(ctx.baseDir ?? baseDirOf(ctx.file), w.file), page.ok ? page.value : 4096);
  if (!read.ok) {
    problems.push({ path: ['workload', 'file'], message: read.problem });
    return raw;
  }
  return { ...(raw as object), workload: { ...w, file: read.trace } };
}

/**
 * `workload.preset` names an application of the catalogue
 * (src/engine/workloads/presets.ts): its fields become the workload's, and
 * the fields the scenario gives override them one by one. Shares of RAM are
 * turned into bytes here (whole pages), so the columns show what was run.
 */
function withPreset(raw: unknown, problems: RawProblem[]): unknown {
  const top = raw as { vm?: { ram?: unknown; pageSize?: unknown }; workload?: Record<string, unknown> } | null;
  const w = top?.workload;
  if (w === null || typeof w !== 'object' || w.preset === undefined || w.preset === null) return raw;
  const names = Object.keys(WORKLOAD_PRESETS);
  const name = w.preset;
  const preset = typeof name === 'string' ? WORKLOAD_PRESETS[name] : undefined;
  if (preset === undefined) {
    const what = typeof name === 'string' ? `unknown workload preset '${name}'${suggest(name, names)}` : `expected a preset name, found ${describeFound(name)}`;
    problems.push({ path: ['workload', 'preset'], message: `${what} (known: ${names.join(', ')})` });
    return raw;
  }
  // sizes relative to RAM stay relative (workingSetShare): a sweep over vm.ram scales them
  const fromPreset: Record<string, unknown> = { kind: preset.kind, dirtyRate: preset.dirtyRate };
  if (preset.workingSet !== undefined) fromPreset.workingSet = preset.workingSet;
  else if (preset.workingSetShare !== undefined && preset.workingSetShare < 1) fromPreset.workingSetShare = preset.workingSetShare;
  if (preset.fluctuation !== undefined) fromPreset.fluctuation = preset.fluctuation;
  if (preset.duration !== undefined) fromPreset.duration = preset.duration;
  fromPreset.compressibility = preset.compressibility;
  const merged: Record<string, unknown> = { ...fromPreset, ...w };
  // a trace of the scenario's own brings its rates
  if (merged.kind === 'trace' && !('dirtyRate' in w)) delete merged.dirtyRate;
  // a working set of the scenario's own replaces the preset's share
  if ('workingSet' in w) delete merged.workingSetShare;
  return { ...(raw as object), workload: merged };
}

/** A problem at a path inside a scenario (before it is placed in a file). */
export interface RawProblem {
  path: PathSegment[];
  message: string;
}

function explain(iss: z.core.$ZodIssue, raw: unknown): RawProblem[] {
  const path = iss.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  if (iss.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path, raw);
    return iss.keys.map((k) => ({
      path: [...path, k],
      message: `unknown key '${k}'${suggest(k, allowed)}${allowed.length ? ` (allowed here: ${allowed.join(', ')})` : ''}`,
    }));
  }
  if (iss.code === 'invalid_union' && (iss as { note?: string }).note === 'No matching discriminator') {
    const section = sectionOf(path);
    const known = kindsOf(section);
    const kind = (iss.input as { kind?: unknown } | undefined)?.kind;
    const entryPath = path[path.length - 1] === 'kind' ? path.slice(0, -1) : path;
    if (kind === undefined) return [{ path: [...entryPath, 'kind'], message: `missing; expected one of ${known.join(' | ')}` }];
    const name = String(kind);
    return [{ path: [...entryPath, 'kind'], message: `unknown ${section} kind '${name}'${suggest(name, known)} (known: ${known.join(', ')})` }];
  }
  let message = iss.message;
  if ((iss as { input?: unknown }).input === undefined && /found nothing$/.test(message)) {
    message = `missing; ${message.replace(/, found nothing$/, '')}`;
  }
  return [{ path, message }];
}

function sectionOf(path: PathSegment[]): 'policy' | 'workload' | 'estimator' {
  const s = path.find((p) => p === 'policy' || p === 'workload' || p === 'estimator');
  return (s as 'policy' | 'workload' | 'estimator') ?? 'policy';
}

function kindsOf(section: 'policy' | 'workload' | 'estimator'): string[] {
  if (section === 'workload') return Object.keys(WORKLOADS);
  if (section === 'estimator') return ['wire', 'buffer', 'bias'];
  return Object.keys(POLICIES);
}

/** The keys allowed in the mapping at `path` (for "did you mean"). */
function allowedKeys(path: PathSegment[], raw: unknown): string[] {
  const head = path[0];
  if (path.length === 0) return [...SECTION_KEYS.top];
  if (head === 'vm') return path[1] === 'devices' ? [...SECTION_KEYS.device] : [...SECTION_KEYS.vm];
  if (head === 'link') return [...SECTION_KEYS.link];
  const kind = (getPath(raw, path) as { kind?: string } | undefined)?.kind;
  if (head === 'workload' && path[1] === 'fluctuation') return ['spread', 'period', 'correlation'];
  if (head === 'workload')
    return [
      'kind',
      ...(kind === 'trace' ? [] : ['dirtyRate']),
      'workingSet',
      'cpuShare',
      'layout',
      'compressibility',
      'deltaBytes',
      'fluctuation',
      'duration',
      'preset',
      ...Object.keys(WORKLOADS[kind ?? '']?.params ?? {}),
    ];
  if (head === 'estimator') return ['kind', ...(kind === 'buffer' ? ['bufferRate'] : kind === 'bias' ? ['factor'] : [])];
  if (head === 'policy') return ['kind', ...Object.keys(POLICIES[kind ?? '']?.params ?? {})];
  return [];
}

/**
 * The checks that relate several fields (policy roles, sizes that must fit in
 * RAM), on a scenario already in base units. Exported so that a sweep can run
 * them on every expanded scenario without re-running the schema.
 */
export function crossChecks(s: Scenario, raw: unknown): RawProblem[] {
  const out: RawProblem[] = [];
  const single = !Array.isArray((raw as { policy?: unknown } | null)?.policy);
  const at = (i: number): PathSegment[] => (single ? ['policy'] : ['policy', i]);
  const base = itemAt(s.policy, 0).kind;
  s.policy.forEach((p, i) => {
    const mod = entryOf(POLICIES, p.kind);
    const role = mod.role;
    if (i === 0 && role !== 'base')
      out.push({ path: [...at(0), 'kind'], message: `'${p.kind}' is an add-on rule; a policy list starts with a base (one of ${baseKinds().join(' | ')})` });
    if (i > 0 && role !== 'rule')
      out.push({ path: [...at(i), 'kind'], message: `'${p.kind}' is a base and only one base may lead the list; after it come add-on rules (${ruleKinds().join(' | ')})` });
    if (i > 0 && mod.role === 'rule' && mod.requires && !mod.requires.includes(base))
      out.push({ path: [...at(i), 'kind'], message: `'${p.kind}' needs the base ${mod.requires.join(' or ')} (it relies on its mechanics), found '${base}'` });
    const why = i > 0 && mod.role === 'rule' && mod.check ? mod.check(p, base) : null;
    if (why !== null) out.push({ path: at(i), message: why });
  });
  out.push(...deviceChecks(s, at));
  // only on the base the wire parameters belong to, and with a sound list
  if (out.length === 0 && base === 'qemu') out.push(...wireProblems(s));
  const ram = s.vm.ram;
  if (s.vm.pageSize > ram) out.push({ path: ['vm', 'pageSize'], message: `the page size (${formatBytes(s.vm.pageSize)}) is larger than RAM (${formatBytes(ram)})` });
  const ws = s.workload.workingSet;
  if (ws !== null && ws > ram)
    out.push({ path: ['workload', 'workingSet'], message: `the working set (${formatBytes(ws)}) is larger than RAM (${formatBytes(ram)}); it must fit in vm.ram` });
  if (s.workload.kind === 'hotcold') {
    const room = workingSetBytes(s);
    const hot = s.workload.hotSet as number;
    if (hot > room) out.push({ path: ['workload', 'hotSet'], message: `the hot set (${formatBytes(hot)}) is larger than the working set (${formatBytes(room)})` });
  }
  if (s.fidelity === 'page' && ram / s.vm.pageSize > MAX_PAGE_FIDELITY_PAGES)
    out.push({
      path: ['fidelity'],
      message: `page fidelity keeps a bitmap per page; ${Math.round(ram / s.vm.pageSize)} pages is over the ${MAX_PAGE_FIDELITY_PAGES} limit: use fidelity: fluid or a larger pageSize`,
    });
  return out;
}

/**
 * VFIO devices (docs/wire.md#device-state): unique names; only the qemu base
 * models them (VFIO migration is QEMU's, hw/vfio/migration.c); and no rule
 * that turns post-copy on, which QEMU refuses with a VFIO device.
 */
function deviceChecks(s: Scenario, at: (i: number) => PathSegment[]): RawProblem[] {
  const devices = s.vm.devices ?? [];
  if (devices.length === 0) return [];
  const out: RawProblem[] = [];
  const first = new Map<string, number>();
  devices.forEach((d, j) => {
    const earlier = first.get(d.name);
    if (earlier === undefined) first.set(d.name, j);
    else out.push({ path: ['vm', 'devices', j, 'name'], message: `duplicate device name '${d.name}' (vm.devices[${earlier}] has it); expected a name of its own` });
  });
  const base = itemAt(s.policy, 0).kind;
  if (base !== 'qemu')
    out.push({
      path: ['vm', 'devices'],
      message: `VFIO devices are modelled for the base qemu only (device migration is modern QEMU's, hw/vfio/migration.c), found '${base}'; use policy[0].kind: qemu or remove vm.devices`,
    });
  s.policy.forEach((p, i) => {
    const mod = entryOf(POLICIES, p.kind);
    if (i > 0 && mod.role === 'rule' && mod.postcopy?.(p) === true)
      out.push({
        path: at(i),
        message: `'${p.kind}' as set here turns post-copy on, which QEMU refuses for a guest with VFIO devices ("VFIO migration is not supported with postcopy migration", hw/vfio/migration.c vfio_save_prepare); turn its post-copy off or remove vm.devices`,
      });
  });
  return out;
}

/**
 * What is accepted but has no effect, for the user to hear about (printed by
 * `migsweep run`): a device load time without switchover-ack waits for nothing.
 */
export function scenarioWarnings(s: Scenario): RawProblem[] {
  const head = itemAt(s.policy, 0);
  const ack = head.kind === 'qemu' && head.switchoverAck === true;
  const out: RawProblem[] = [];
  (s.vm.devices ?? []).forEach((d, j) => {
    if (d.loadTime > 0 && !ack)
      out.push({
        path: ['vm', 'devices', j, 'loadTime'],
        message: 'has no effect without switchover-ack (the source does not wait for the destination to load); set policy[0].switchoverAck: true on the qemu base',
      });
  });
  if (head.kind === 'qemu') out.push(...wireWarnings(s));
  return out;
}

/** Attach the file position (or the command-line argument) to a problem. */
function place(p: RawProblem, ctx: ValidateContext, raw: unknown): InputProblem {
  const norm = normalise(p.path, raw);
  const full = [...(ctx.prefix ?? []), ...norm];
  const text = formatPathSegments(full);
  const rel = formatPathSegments(norm);
  for (const [setPath, arg] of ctx.overrides ?? []) {
    if (rel === setPath || rel.startsWith(`${setPath}.`) || rel.startsWith(`${setPath}[`)) return { path: text, message: `${p.message} (from --set ${arg})` };
  }
  const pos = ctx.doc?.locate(full);
  return { path: text, message: p.message, line: pos?.line, col: pos?.col };
}

/** A single policy entry written as a mapping is `policy`, not `policy[0]`, in messages. */
function normalise(path: PathSegment[], raw: unknown): PathSegment[] {
  if (path[0] === 'policy' && path[1] === 0 && !Array.isArray((raw as { policy?: unknown } | null)?.policy)) return ['policy', ...path.slice(2)];
  return path;
}
