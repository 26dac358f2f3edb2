import type { Scenario } from '../types.js';
import { wireConfig } from './config.js';

/** A wire setting QEMU refuses, at the path of the policy entry that set it. */
export interface WireProblem {
  path: (string | number)[];
  message: string;
}

const MiB = 1024 * 1024;

/** The qemu base's defaults of the multifd parameters that do nothing without multifd (null: unset). */
const QEMU_WIRE_DEFAULTS = { multifdChannelRate: null, multifdAccounting: 'sent', zeroPageDetection: 'multifd' } as const;

/**
 * What QEMU refuses of the wire a scenario asks for (migration/options.c
 * migrate_caps_check: "Multifd is not compatible with xbzrle", since QEMU
 * 8.1; migrate_params_check and xbzrle_cache_resize: a cache of at least a
 * page and at most the guest's RAM; docs/wire.md#bad-input).
 */
export function wireProblems(s: Scenario): WireProblem[] {
  const out: WireProblem[] = [];
  const w = wireConfig(s.policy, s.vm.ram);
  const at = (param: string, fallback: string): (string | number)[] => {
    const i = w.setBy[param];
    return i === undefined ? ['policy', 0, param] : ['policy', i, fallback];
  };
  if (w.channels > 0 && w.xbzrleCacheBytes > 0)
    out.push({
      path: at('xbzrleCacheSize', 'xbzrle'),
      message: `XBZRLE (a ${w.xbzrleCacheBytes / MiB} MiB cache) with multifd (${w.channels} channels): QEMU refuses the pair ("Multifd is not compatible with xbzrle", migration/options.c migrate_caps_check); set xbzrleCacheSize: 0 or multifdChannels: 0`,
    });
  if (w.xbzrleCacheBytes > s.vm.ram)
    out.push({
      path: at('xbzrleCacheSize', 'xbzrle'),
      message: `the XBZRLE cache (${w.xbzrleCacheBytes / MiB} MiB) is larger than the guest's RAM (${s.vm.ram / MiB} MiB); QEMU refuses it (xbzrle_cache_resize): at most vm.ram`,
    });
  else if (w.xbzrleCacheBytes > 0 && w.xbzrleCacheBytes < s.vm.pageSize)
    out.push({
      path: at('xbzrleCacheSize', 'xbzrle'),
      message: `the XBZRLE cache (${w.xbzrleCacheBytes} bytes) is smaller than a page (${s.vm.pageSize} bytes); QEMU refuses it (xbzrle_cache_resize)`,
    });
  return out;
}

/**
 * What QEMU accepts but does not use (docs/wire.md#bad-input): multifd's
 * parameters while the multifd capability is off stay set and unused
 * (migrate_params_check takes them; only multifd_send_setup reads them).
 */
export function wireWarnings(s: Scenario): WireProblem[] {
  const w = wireConfig(s.policy, s.vm.ram);
  const p = w.baseParams;
  if (w.channels > 0) {
    // raw accounting ended in QEMU 8.1, zero pages in the channels came in 9.0: no QEMU does both
    if (p.multifdAccounting === 'raw' && p.zeroPageDetection !== 'legacy')
      return [
        {
          path: ['policy', 0, 'multifdAccounting'],
          message:
            'raw accounting (QEMU 8.0 and before) with zero pages found in the channels (zeroPageDetection: multifd, QEMU 9.0 and later): no QEMU does both, and a zero page then counts as a whole page; set zeroPageDetection: legacy (docs/wire.md#which-qemu-counts-what)',
        },
      ];
    return [];
  }
  const out: WireProblem[] = [];
  if (p.multifdCompression !== undefined && p.multifdCompression !== 'none')
    out.push({
      path: ['policy', 0, 'multifdCompression'],
      message: `has no effect without multifd (QEMU keeps it for when multifd is on); set policy[0].multifdChannels (QEMU's default count is 2)`,
    });
  for (const param of ['multifdChannelRate', 'multifdAccounting', 'zeroPageDetection'] as const)
    if (p[param] !== undefined && p[param] !== null && p[param] !== QEMU_WIRE_DEFAULTS[param])
      out.push({ path: ['policy', 0, param], message: 'has no effect without multifd; set policy[0].multifdChannels' });
  return out;
}
