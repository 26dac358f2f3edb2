/**
 * Logs of QMP replies, one per line: bare (`{"return": {...}}`, as socat or
 * a script prints them) or after a time stamp (libvirt's debug log,
 * `2024-05-06 10:00:01.250+0000: ... QEMU_MONITOR_RECV_REPLY: ... reply={...}`;
 * a script's `2024-05-06T10:00:01.250Z {...}`). The JSON runs from the
 * line's first `{` to its last `}`. A reply printed over several lines
 * (`virsh qemu-monitor-command --pretty`, qmp-shell -p) runs on until its
 * braces balance.
 */
import { badLine } from './imported.js';

export interface JsonLine {
  /** the line the object starts on */
  line: number;
  /** seconds since the epoch of the line's leading time stamp, if it has one */
  stampS?: number;
  value: unknown;
}

const STAMP = /^\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)?/;

/** Open braces minus closed ones outside JSON strings, from `depth` on. */
function braceDepth(text: string, depth = 0): number {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
  }
  return depth;
}

/** Each JSON object of the text with the line it starts on; a line outside an object that holds none, or broken JSON, is bad input. */
export function jsonLines(file: string, text: string, expected: string): JsonLine[] {
  const out: JsonLine[] = [];
  let pending: { line: number; stampS?: number; json: string; depth: number } | undefined;
  const finish = (line: number, json: string, stampS: number | undefined): void => {
    let value: unknown;
    try {
      value = JSON.parse(json.slice(0, json.lastIndexOf('}') + 1));
    } catch (e) {
      throw badLine(file, line, `expected ${expected}; the JSON does not parse (${(e as Error).message})`);
    }
    out.push({ line, stampS, value });
  };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (pending !== undefined) {
      pending.json += `\n${line}`;
      pending.depth = braceDepth(line, pending.depth);
      if (pending.depth <= 0) {
        finish(pending.line, pending.json, pending.stampS);
        pending = undefined;
      }
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const open = line.indexOf('{');
    if (open < 0) throw badLine(file, i + 1, `expected ${expected}, found '${clip(line)}'`);
    const m = STAMP.exec(line);
    // Date.parse keeps whole milliseconds (finer digits are dropped), the resolution the trace is written at
    const parsed = m && open > 0 ? Date.parse(`${(m[1] as string).replace(' ', 'T')}${normalZone(m[2])}`) / 1000 : undefined;
    const stampS = parsed !== undefined && Number.isFinite(parsed) ? parsed : undefined;
    const json = line.slice(open);
    const depth = braceDepth(json);
    if (depth > 0) pending = { line: i + 1, stampS, json, depth };
    else finish(i + 1, json, stampS);
  });
  if (pending !== undefined) throw badLine(file, pending.line, `expected ${expected}; the JSON object that starts here does not end`);
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
