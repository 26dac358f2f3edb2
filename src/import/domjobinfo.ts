/**
 * libvirt's `virsh domjobinfo <domain>` text, one block or several (a loop
 * that runs it every second). virsh prints each statistic as `Label: value
 * unit` (tools/virsh-domain.c, cmdDomjobinfo) from the job's typed
 * parameters, which the QEMU driver fills from `query-migrate`
 * (src/qemu/qemu_monitor_json.c):
 *
 *   Time elapsed:  <ms>       since the job started (VIR_DOMAIN_JOB_TIME_ELAPSED)
 *   Dirty rate:    <n> pages/s  ram.dirty-pages-rate (VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE)
 *   Iteration:     <n>        ram.dirty-sync-count (VIR_DOMAIN_JOB_MEMORY_ITERATION)
 *   Page size:     <n> bytes  ram.page-size (VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE)
 *   Auto converge throttle: <n> %  cpu-throttle-percentage (VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE)
 *
 * A block starts at `Job type:`; blocks without a dirty rate (no job, or a
 * libvirt that does not report it) are skipped.
 */
import { badLine, count, DEFAULT_PAGE_BYTES, inOrder, throttleNote, type Imported } from './imported.js';
import { measured, phasesFromSyncSamples, type SyncSample } from './trace-rows.js';

export function looksLikeDomjobinfo(text: string): boolean {
  return /^\s*Job type:/m.test(text) || /^\s*Time elapsed:/m.test(text);
}

interface Block {
  line: number;
  jobType?: string;
  elapsedMs?: number;
  pagesPerSec?: number;
  sync?: number;
  pageBytes?: number;
  throttlePercent?: number;
}

/** `Label:   123 unit` with the unit the label must carry ('' for none). */
const FIELDS: Record<string, { key: 'elapsedMs' | 'pagesPerSec' | 'sync' | 'pageBytes' | 'throttlePercent'; unit: string }> = {
  'Time elapsed': { key: 'elapsedMs', unit: 'ms' },
  'Dirty rate': { key: 'pagesPerSec', unit: 'pages/s' },
  Iteration: { key: 'sync', unit: '' },
  'Page size': { key: 'pageBytes', unit: 'bytes' },
  'Auto converge throttle': { key: 'throttlePercent', unit: '%' },
};

export function importDomjobinfo(file: string, text: string): Imported {
  const blocks: Block[] = [];
  let current: Block | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon < 0) throw badLine(file, i + 1, `expected 'Label: value' lines of virsh domjobinfo (e.g. 'Dirty rate:       2100         pages/s'), found '${line}'`);
    const label = line.slice(0, colon).trim();
    const rest = line.slice(colon + 1).trim();
    if (label === 'Job type' || current === undefined) {
      current = { line: i + 1 };
      blocks.push(current);
    }
    if (label === 'Job type') {
      current.jobType = rest;
      return;
    }
    const field = FIELDS[label];
    if (field === undefined) return; // statistics the trace does not need (Data processed, Memory bandwidth, ...)
    const m = /^(\S+)\s*(.*)$/.exec(rest);
    const n = count(Number(m?.[1]));
    const unit = (m?.[2] ?? '').trim();
    if (m === null || n === undefined || unit !== field.unit)
      throw badLine(file, i + 1, `${label}: expected a number >= 0${field.unit ? ` in ${field.unit}` : ''}, found '${rest}'`);
    if (field.key in current) {
      // a block without its own Job type line: a new block starts at the repeated label
      current = { line: i + 1 };
      blocks.push(current);
    }
    current[field.key] = n;
  });
  const candidates: SyncSample[] = [];
  let pageBytes: number | undefined;
  let withRate = 0;
  for (const b of blocks) {
    if (b.pagesPerSec === undefined) continue;
    withRate++;
    if (b.elapsedMs === undefined) throw badLine(file, b.line, "a block with 'Dirty rate' but no 'Time elapsed: <n> ms': expected both in each domjobinfo output");
    if (b.pageBytes !== undefined) {
      if (pageBytes !== undefined && b.pageBytes !== pageBytes)
        throw badLine(file, b.line, `Page size changed from ${pageBytes} to ${b.pageBytes} bytes: expected the blocks of one migration`);
      pageBytes = b.pageBytes;
    }
    if (b.jobType === 'Completed' || (b.sync !== undefined && b.sync < 2)) continue;
    candidates.push({ tS: b.elapsedMs / 1000, pagesPerSec: b.pagesPerSec, sync: b.sync, line: b.line });
  }
  const samples = measured(inOrder(file, candidates, 'block'));
  if (samples.length === 0)
    throw badLine(file, blocks[0]?.line ?? 1, `${blocks.length} domjobinfo blocks, none of a running migration with a measured 'Dirty rate: <n> pages/s' (after 'Iteration: 2')`);
  const page = pageBytes ?? DEFAULT_PAGE_BYTES;
  const notes = [
    `${blocks.length} domjobinfo blocks, ${withRate} with a dirty rate, ${samples.length} of the running migration after its first measurement`,
    pageBytes !== undefined ? `page size ${page} B (Page size)` : `no 'Page size' line: assumed ${DEFAULT_PAGE_BYTES} B`,
  ];
  const throttled = throttleNote(Math.max(0, ...blocks.map((b) => b.throttlePercent ?? 0)));
  if (throttled !== undefined) notes.push(throttled);
  return { format: 'domjobinfo', rows: phasesFromSyncSamples(samples, page), pageBytes, notes };
}
