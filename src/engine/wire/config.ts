import { entryOf, itemAt } from '../../common/lookup.js';
import { POLICIES } from '../policies/index.js';
import type { ParamValues, PolicyEntry } from '../types.js';
import type { MultifdCompression } from './compression.js';

/**
 * The wire a scenario's migration uses, after the controllers had their say
 * (docs/wire.md): KubeVirt and oVirt open multifd channels, Proxmox turns on
 * XBZRLE. A controller's setting replaces the base's (it is what the
 * controller asks QEMU for); the base's own parameters apply otherwise.
 */
export interface WireConfig {
  /** multifd channels; 0 = one stream */
  channels: number;
  compression: MultifdCompression;
  /** XBZRLE cache; 0 = XBZRLE off */
  xbzrleCacheBytes: number;
  /** any of them on: the run reports query-migrate's wire figures */
  on: boolean;
  /** the base's parameters with the controllers' settings applied, and which entry set each */
  baseParams: PolicyEntry;
  setBy: Record<string, number>;
}

/**
 * The base's parameters as the migration runs them: the base entry, then
 * each rule's `baseParams` in list order. `ramBytes` sizes what a controller
 * derives from the guest's RAM (Proxmox's cache); without it only which
 * features are on is right.
 */
export function wireConfig(policy: readonly PolicyEntry[], ramBytes = 1024 ** 3): WireConfig {
  const head = itemAt(policy, 0);
  const params: PolicyEntry = { ...head };
  const setBy: Record<string, number> = {};
  policy.forEach((entry, i) => {
    if (i === 0) return;
    const mod = entryOf(POLICIES, entry.kind);
    const set: ParamValues | null = mod.role === 'rule' && mod.baseParams ? mod.baseParams(entry, ramBytes) : null;
    if (set === null) return;
    for (const [k, v] of Object.entries(set)) {
      params[k] = v;
      setBy[k] = i;
    }
  });
  const channels = typeof params.multifdChannels === 'number' ? params.multifdChannels : 0;
  const compression = channels > 0 && typeof params.multifdCompression === 'string' ? (params.multifdCompression as MultifdCompression) : 'none';
  const xbzrleCacheBytes = typeof params.xbzrleCacheSize === 'number' ? params.xbzrleCacheSize : 0;
  return { channels, compression, xbzrleCacheBytes, on: channels > 0 || xbzrleCacheBytes > 0, baseParams: params, setBy };
}
