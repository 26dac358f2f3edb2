// What the QEMU here supports of the wire features the feature grid turns
// on: the migration capabilities it lists (query-migrate-capabilities) and
// the multifd-compression values it accepts (zlib and zstd exist only where
// QEMU was built with them: `'if': 'CONFIG_ZSTD'` on MultiFDCompression in
// qapi/migration.json). Asked once of a QEMU that boots nothing, so a run
// whose feature is missing is skipped with the reason, and the rest go on.
import { QmpCommandError } from './qmp.js';
import { makeWorkDir, QemuProcess, type Accelerator } from './qemu.js';
import type { MigrationRunConfig, MultifdCompression } from './types.js';

export interface WireSupport {
  /** Capability names QEMU lists (e.g. multifd, xbzrle, auto-converge). */
  capabilities: string[];
  /** Per compression method: undefined when QEMU accepts it, else QEMU's refusal. */
  compressionProblems: Partial<Record<MultifdCompression, string>>;
}

const COMPRESSIONS: readonly MultifdCompression[] = ['zlib', 'zstd'];

/** Ask a QEMU (idle guest, 16 MiB) what it supports; it is stopped before this returns. */
export async function probeWireSupport(kernelPath: string, accel: Accelerator): Promise<WireSupport> {
  const dir = makeWorkDir();
  let proc: QemuProcess | undefined;
  try {
    // -incoming defer: the guest never runs, and multifd may be set (QEMU
    // refuses to change capabilities only while a migration is under way).
    proc = await QemuProcess.start({ name: 'probe-features', kernelPath, append: 'ws=0 rate=0 fill=0', ramMiB: 16, accel, workDir: dir.path, incomingDefer: true });
    const listed = await proc.qmp.execute<Array<{ capability: string }>>('query-migrate-capabilities');
    const compressionProblems: WireSupport['compressionProblems'] = {};
    for (const c of COMPRESSIONS) {
      try {
        await proc.qmp.execute('migrate-set-parameters', { 'multifd-compression': c });
      } catch (err) {
        if (!(err instanceof QmpCommandError)) throw err;
        compressionProblems[c] = err.desc;
      }
    }
    return { capabilities: listed.map((x) => x.capability), compressionProblems };
  } finally {
    await proc?.shutdown();
    dir.remove();
  }
}

/** Why QEMU here cannot do run `r` (what it lacks, in QEMU's words where it said any), or undefined. */
export function unsupportedReason(r: MigrationRunConfig, support: WireSupport): string | undefined {
  const lacking: string[] = [];
  const needs = (capability: string): void => {
    if (!support.capabilities.includes(capability)) lacking.push(`the ${capability} capability (not in query-migrate-capabilities)`);
  };
  if ((r.multifdChannels ?? 0) > 0) needs('multifd');
  if ((r.xbzrleCacheBytes ?? 0) > 0) needs('xbzrle');
  if (r.autoConverge === true) needs('auto-converge');
  const compression = r.multifdCompression ?? 'none';
  const refused = compression === 'none' ? undefined : support.compressionProblems[compression];
  if (refused !== undefined) lacking.push(`multifd-compression ${compression} (QEMU: ${refused})`);
  return lacking.length > 0 ? `this QEMU lacks ${lacking.join(' and ')}` : undefined;
}
