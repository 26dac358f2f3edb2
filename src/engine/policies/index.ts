import type { PolicyModule } from '../policy.js';
import { precopy } from './precopy.js';
import { qemu2011 } from './qemu-2011.js';
import { qemu } from './qemu.js';
import { xen } from './xen.js';
import { xenV2 } from './xen-v2.js';
import { maxPasses } from './max-passes.js';
import { transferFactor } from './transfer-factor.js';
import { convergenceTimeout } from './convergence-timeout.js';
import { pauseAfter } from './pause-after.js';
import { autoConverge } from './auto-converge.js';
import { dirtyLimit } from './dirty-limit.js';
import { postcopyAfter } from './postcopy-after.js';
import { pauseAfterPasses } from './pause-after-passes.js';
import { abortAfter } from './abort-after.js';
import { libvirtTimeout } from './libvirt-timeout.js';
import { nova } from './nova.js';
import { kubevirt } from './kubevirt.js';
import { kubevirtDowntimeRamp } from './kubevirt-downtime-ramp.js';
import { kubevirtStallDetector } from './kubevirt-stall-detector.js';
import { ovirt } from './ovirt.js';
import { proxmox } from './proxmox.js';
import { cloudstack } from './cloudstack.js';

/** Every policy, by the `kind` a scenario names it with. The only place that knows the list. */
export const POLICIES: Readonly<Record<string, PolicyModule>> = Object.freeze({
  [precopy.kind]: precopy,
  [qemu2011.kind]: qemu2011,
  [qemu.kind]: qemu,
  [xen.kind]: xen,
  [xenV2.kind]: xenV2,
  [maxPasses.kind]: maxPasses,
  [transferFactor.kind]: transferFactor,
  [convergenceTimeout.kind]: convergenceTimeout,
  [pauseAfter.kind]: pauseAfter,
  [pauseAfterPasses.kind]: pauseAfterPasses,
  [autoConverge.kind]: autoConverge,
  [dirtyLimit.kind]: dirtyLimit,
  [postcopyAfter.kind]: postcopyAfter,
  [libvirtTimeout.kind]: libvirtTimeout,
  [nova.kind]: nova,
  [abortAfter.kind]: abortAfter,
  [kubevirt.kind]: kubevirt,
  [kubevirtDowntimeRamp.kind]: kubevirtDowntimeRamp,
  [kubevirtStallDetector.kind]: kubevirtStallDetector,
  [ovirt.kind]: ovirt,
  [proxmox.kind]: proxmox,
  [cloudstack.kind]: cloudstack,
});

export function baseKinds(): string[] {
  return Object.values(POLICIES)
    .filter((p) => p.role === 'base')
    .map((p) => p.kind);
}

export function ruleKinds(): string[] {
  return Object.values(POLICIES)
    .filter((p) => p.role === 'rule')
    .map((p) => p.kind);
}
