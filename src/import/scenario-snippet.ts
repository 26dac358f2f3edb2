/** The scenario that replays an imported trace, as `migsweep import` prints it. */
import { basename } from 'node:path';
import { formatBytes } from '../common/format.js';
import { DEFAULT_PAGE_BYTES } from './imported.js';

/**
 * A scenario file to save beside the trace (the trace's path in it is
 * relative to the scenario file, docs/engine-model.md#trace-files). The
 * working set is left to its default (the guest's non-zero RAM): the rates
 * are unique pages per sync period, and writes spread uniformly over a set
 * much larger than rate x period dirty nearly as many unique pages as they
 * write, so the engine's sync periods see about the measured rate.
 */
export function scenarioSnippet(tracePath: string, pageBytes: number | undefined): string {
  const page = pageBytes !== undefined && pageBytes !== DEFAULT_PAGE_BYTES ? `, pageSize: ${formatBytes(pageBytes).replace(' ', '')}` : '';
  return [
    `vm:       { ram: 8GiB${page} }          # your guest's RAM`,
    `workload: { kind: trace, file: ${basename(tracePath)}, pattern: uniform }`,
    'link:     { bandwidth: 10Gbit/s }        # your migration network',
    'policy:   { kind: qemu }',
    'horizon:  1h',
    '',
  ].join('\n');
}
