/**
 * The recommended constants as an operator sets them: QEMU's
 * migrate-set-parameters (qapi/migration.json), virsh, nova.conf's
 * [libvirt] options (nova/conf/libvirt.py) and KubeVirt's migration
 * configuration (docs/policies.md gives each parameter's upstream name).
 * Constants without such a home are printed as migsweep paths.
 */
import type { Scenario } from '../engine/types.js';
import type { PathSegment } from '../scenario/path.js';

type Target = 'QEMU' | 'libvirt' | 'nova.conf' | 'KubeVirt';

/** One setting: where, the key (a path for KubeVirt's nested configuration), the value as that place writes it. */
interface Setting {
  target: Target;
  key: string[];
  value: number;
  /** the value in the setting's unit before rounding to it */
  exact: number;
}

const ms = (s: number) => Math.round(s * 1000);
const whole = (n: number) => Math.round(n);

/** policy kind -> parameter -> the settings it becomes. */
const MAPPINGS: Record<string, Record<string, (v: number) => Setting[]>> = {
  qemu: {
    downtimeLimit: (v) => [
      { target: 'QEMU', key: ['downtime-limit'], value: ms(v), exact: v * 1000 },
      { target: 'libvirt', key: ['migrate-setmaxdowntime'], value: ms(v), exact: v * 1000 },
    ],
    maxBandwidth: (v) => [
      { target: 'QEMU', key: ['max-bandwidth'], value: whole(v), exact: v },
      { target: 'libvirt', key: ['migrate-setspeed'], value: Math.round(v / 2 ** 20), exact: v / 2 ** 20 },
    ],
  },
  'auto-converge': {
    initial: (v) => [{ target: 'QEMU', key: ['cpu-throttle-initial'], value: whole(v), exact: v }],
    increment: (v) => [{ target: 'QEMU', key: ['cpu-throttle-increment'], value: whole(v), exact: v }],
    max: (v) => [{ target: 'QEMU', key: ['max-cpu-throttle'], value: whole(v), exact: v }],
  },
  nova: {
    downtime: (v) => [{ target: 'nova.conf', key: ['live_migration_downtime'], value: ms(v), exact: v * 1000 }],
    steps: (v) => [{ target: 'nova.conf', key: ['live_migration_downtime_steps'], value: whole(v), exact: v }],
    downtimeDelay: (v) => [{ target: 'nova.conf', key: ['live_migration_downtime_delay'], value: whole(v), exact: v }],
    completionTimeout: (v) => [{ target: 'nova.conf', key: ['live_migration_completion_timeout'], value: whole(v), exact: v }],
  },
  kubevirt: {
    completionTimeoutPerGiB: (v) => [{ target: 'KubeVirt', key: ['completionTimeoutPerGiB'], value: whole(v), exact: v }],
    progressTimeout: (v) => [{ target: 'KubeVirt', key: ['progressTimeout'], value: whole(v), exact: v }],
  },
  // a fleet's orchestrator limits, by preset (src/fleet/orchestrators.ts cites KubeVirt's virt-config.go for both)
  'orchestrator:kubevirt': {
    maxParallel: (v) => [{ target: 'KubeVirt', key: ['parallelMigrationsPerCluster'], value: whole(v), exact: v }],
    maxOutboundPerHost: (v) => [{ target: 'KubeVirt', key: ['parallelOutboundMigrationsPerNode'], value: whole(v), exact: v }],
  },
  'kubevirt-downtime-ramp': {
    initial: (v) => [{ target: 'KubeVirt', key: ['downtimeTuning', 'initialMs'], value: ms(v), exact: v * 1000 }],
    maxDowntime: (v) => [{ target: 'KubeVirt', key: ['maxDowntimeMs'], value: ms(v), exact: v * 1000 }],
    steps: (v) => [{ target: 'KubeVirt', key: ['downtimeTuning', 'steps'], value: whole(v), exact: v }],
    startAfterIteration: (v) => [{ target: 'KubeVirt', key: ['downtimeTuning', 'startAfterIteration'], value: whole(v), exact: v }],
    cooldown: (v) => [{ target: 'KubeVirt', key: ['downtimeTuning', 'cooldownSeconds'], value: whole(v), exact: v }],
  },
};

/** `{ a: 1, b: { c: 2 } }` from settings keyed by paths. */
function flowMapping(settings: Setting[]): string {
  const tree: Record<string, unknown> = {};
  for (const s of settings) {
    let node = tree;
    for (const k of s.key.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[s.key[s.key.length - 1] as string] = s.value;
  }
  const show = (n: unknown): string =>
    typeof n === 'object' && n !== null
      ? `{ ${Object.entries(n)
          .map(([k, v]) => `${k}: ${show(v)}`)
          .join(', ')} }`
      : String(n);
  return show(tree);
}

/** Lines to print: `QEMU: migrate-set-parameters downtime-limit=420 ...`, `nova.conf [libvirt]: live_migration_downtime = 500`, `migsweep: vm.vcpus = 4`. */
export function settingLines(
  base: Scenario | null,
  constants: { path: string; segments: PathSegment[]; value: number }[],
  /** with a fleet as the base: its orchestrator preset, whose limits have platform settings */
  orchestratorPreset: string | null = null,
): string[] {
  const settings: Setting[] = [];
  const plain: string[] = [];
  for (const c of constants) {
    const [head, index, param] = c.segments;
    const kind = base !== null && head === 'policy' && typeof index === 'number' && c.segments.length === 3 ? base.policy[index]?.kind : undefined;
    const map =
      head === 'orchestrator' && c.segments.length === 2 && orchestratorPreset !== null
        ? MAPPINGS[`orchestrator:${orchestratorPreset}`]?.[index as string]
        : kind === undefined
          ? undefined
          : MAPPINGS[kind]?.[param as string];
    if (map === undefined) plain.push(`migsweep: ${c.path} = ${c.value}`);
    else settings.push(...map(c.value));
  }
  const of = (t: Target) => settings.filter((s) => s.target === t);
  const lines: string[] = [];
  if (of('QEMU').length > 0)
    lines.push(
      `QEMU (QMP/HMP): migrate-set-parameters ${of('QEMU')
        .map((s) => `${s.key.join('.')}=${s.value}`)
        .join(' ')}`,
    );
  for (const s of of('libvirt')) lines.push(`libvirt: virsh ${s.key.join('.')} <domain> ${s.value}`);
  for (const s of of('nova.conf')) lines.push(`nova.conf [libvirt]: ${s.key.join('.')} = ${s.value}`);
  if (of('KubeVirt').length > 0) lines.push(`KubeVirt CR spec.configuration.migrations: ${flowMapping(of('KubeVirt'))}`);
  const rounded = settings.filter((x) => Math.abs(x.value - x.exact) > 1e-9 * Math.max(1, Math.abs(x.exact)));
  if (rounded.length > 0)
    lines.push(
      `(rounded to the settings' units: ${rounded.map((x) => `${x.key.join('.')} ${Number(x.exact.toPrecision(6))} -> ${x.value}`).join(', ')}; the statistics are for the values before rounding)`,
    );
  return [...lines, ...plain];
}
