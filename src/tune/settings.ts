/**
 * The recommended constants as an operator sets them: QEMU's
 * migrate-set-parameters (qapi/migration.json), virsh, nova.conf's
 * [libvirt] options (nova/conf/libvirt.py) and KubeVirt's migration
 * configuration (docs/policies.md gives each parameter's upstream name).
 * Constants without such a home are printed as migsweep paths.
 */
import type { Scenario } from '../engine/types.js';
import type { PathSegment } from '../scenario/path.js';

const ms = (s: number) => Math.round(s * 1000);
const whole = (n: number) => Math.round(n);

/** policy kind -> parameter -> [where it is set, how the line reads]. */
const MAPPINGS: Record<string, Record<string, [string, (v: number) => string][]>> = {
  qemu: {
    downtimeLimit: [
      ['QEMU', (v) => `migrate-set-parameters downtime-limit=${ms(v)}`],
      ['libvirt', (v) => `virsh migrate-setmaxdowntime <domain> ${ms(v)}`],
    ],
    maxBandwidth: [
      ['QEMU', (v) => `migrate-set-parameters max-bandwidth=${whole(v)}`],
      ['libvirt', (v) => `virsh migrate-setspeed <domain> ${Math.round(v / 2 ** 20)}`],
    ],
  },
  'auto-converge': {
    initial: [['QEMU', (v) => `migrate-set-parameters cpu-throttle-initial=${whole(v)}`]],
    increment: [['QEMU', (v) => `migrate-set-parameters cpu-throttle-increment=${whole(v)}`]],
    max: [['QEMU', (v) => `migrate-set-parameters max-cpu-throttle=${whole(v)}`]],
  },
  nova: {
    downtime: [['nova.conf [libvirt]', (v) => `live_migration_downtime = ${ms(v)}`]],
    steps: [['nova.conf [libvirt]', (v) => `live_migration_downtime_steps = ${whole(v)}`]],
    downtimeDelay: [['nova.conf [libvirt]', (v) => `live_migration_downtime_delay = ${whole(v)}`]],
    completionTimeout: [['nova.conf [libvirt]', (v) => `live_migration_completion_timeout = ${whole(v)}`]],
  },
  kubevirt: {
    completionTimeoutPerGiB: [['KubeVirt', (v) => `spec.configuration.migrations: { completionTimeoutPerGiB: ${whole(v)} }`]],
    progressTimeout: [['KubeVirt', (v) => `spec.configuration.migrations: { progressTimeout: ${whole(v)} }`]],
  },
  'kubevirt-downtime-ramp': {
    initial: [['KubeVirt', (v) => `migrations: { downtimeTuning: { initialMs: ${ms(v)} } }`]],
    maxDowntime: [['KubeVirt', (v) => `migrations: { maxDowntimeMs: ${ms(v)} }`]],
    steps: [['KubeVirt', (v) => `migrations: { downtimeTuning: { steps: ${whole(v)} } }`]],
    startAfterIteration: [['KubeVirt', (v) => `migrations: { downtimeTuning: { startAfterIteration: ${whole(v)} } }`]],
    cooldown: [['KubeVirt', (v) => `migrations: { downtimeTuning: { cooldownSeconds: ${whole(v)} } }`]],
  },
};

/** One line per setting: `QEMU: migrate-set-parameters downtime-limit=420`, or `migsweep: vm.vcpus = 4`. */
export function settingLines(base: Scenario, constants: { path: string; segments: PathSegment[]; value: number }[]): string[] {
  const lines: string[] = [];
  for (const c of constants) {
    const [head, index, param] = c.segments;
    const kind = head === 'policy' && typeof index === 'number' && c.segments.length === 3 ? base.policy[index]?.kind : undefined;
    const map = kind === undefined ? undefined : MAPPINGS[kind]?.[param as string];
    if (map === undefined) lines.push(`migsweep: ${c.path} = ${c.value}`);
    else for (const [where, line] of map) lines.push(`${where}: ${line(c.value)}`);
  }
  return lines;
}
