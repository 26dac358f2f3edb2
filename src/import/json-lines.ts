/**
 * Logs of QMP replies, one per line: bare (`{"return": {...}}`, as socat or
 * a script prints them) or after a time stamp (libvirt's debug log,
 * `2024-05-06 10:00:01.250+0000: ... QEMU_MONITOR_RECV_REPLY: ... reply={...}`;
 * a script's `2024-05-06T10:00:01.250Z {...}`). The JSON runs from the
 * line's first `{` to its last `}`.
 */
import { badLine } from './imported.js';

export interface JsonLine {
  line: number;
  /** seconds since the epoch of the line's leading time stamp, if it has one */
  stampS?: number;
  value: unknown;
}

const STAMP = /^\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)?/;

/** Each non-blank, non-# line that holds a JSON object; a line without one, or with broken JSON, is bad input. */
export function jsonLines(file: string, text: string, expected: string): JsonLine[] {
  const out: JsonLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    if (open < 0 || close < open) throw badLine(file, i + 1, `expected ${expected}, found '${clip(line)}'`);
    let value: unknown;
    try {
      value = JSON.parse(line.slice(open, close + 1));
    } catch (e) {
      throw badLine(file, i + 1, `expected ${expected}; the JSON does not parse (${(e as Error).message})`);
    }
    const m = STAMP.exec(line);
    // Date.parse keeps whole milliseconds (finer digits are dropped), the resolution the trace is written at
    const stampS = m && open > 0 ? Date.parse(`${(m[1] as string).replace(' ', 'T')}${normalZone(m[2])}`) / 1000 : undefined;
    out.push({ line: i + 1, stampS: stampS !== undefined && Number.isFinite(stampS) ? stampS : undefined, value });
  });
  return out;
}

/** `+0000` -> `+00:00` (Date.parse wants the colon); none -> UTC. */
function normalZone(z: string | undefined): string {
  if (z === undefined) return 'Z';
  return z === 'Z' ? z : z.replace(/^([+-]\d\d):?(\d\d)$/, '$1:$2');
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `{"return": X}` -> X; an event, a greeting or a command echo -> undefined. */
export function qmpReturn(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if ('event' in o || 'QMP' in o || 'execute' in o || 'error' in o) return undefined;
  const r = 'return' in o ? o.return : o;
  return typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Record<string, unknown>) : undefined;
}
