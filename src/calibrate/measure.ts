// One real migration, measured: boot the calibration guest in a source
// QEMU, start a destination QEMU waiting for it, migrate over loopback TCP
// with the asked max-bandwidth / downtime-limit / auto-converge, and keep
// every query-migrate answer (100 ms apart) and every guest rate report.
import { setTimeout as sleep } from 'node:timers/promises';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildGuest, guestCommandLine } from './guest.js';
import { chooseAccelerator, makeWorkDir, qemuVersion, QemuProcess, type Accelerator } from './qemu.js';
import type { QmpEvent } from './qmp.js';
import type { TimedGuestLine } from './serial.js';
import { completionFiguresPending, flattenQueryMigrate, summarizeGuestTicks, summarizeSamples } from './summary.js';
import type { GuestTick, MigrationRecord, MigrationRunConfig, MigrationSample } from './types.js';

export interface MeasureOptions {
  /** A built guest kernel; default: buildGuest(). */
  kernelPath?: string;
  /** Default: chooseAccelerator() (timed probe, cached per process). */
  accel?: Accelerator;
  /** query-migrate period, ms (default 100). */
  pollIntervalMs?: number;
  /** How long the guest may take to boot, fill RAM and reach its rate (default 30 s). */
  readyTimeoutMs?: number;
  /**
   * Migrate once a guest report reaches this share of its target rate
   * (default 0.95). 0: after MIN_TICKS_BEFORE reports whatever the rate (the
   * feature grid, whose out-of-sample prediction takes the rate the guest
   * reported before `migrate`; see guestRatePagesPerSec).
   */
  readyRateShare?: number;
  /** Keep the raw serial output of both QEMUs here as <name>.source.log / <name>.destination.log. */
  serialLogDir?: string;
  /** Progress messages. */
  log?: (message: string) => void;
}

const DEFAULT_POLL_INTERVAL_MS = 100;
const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** The guest counts as running at its target once a report reaches this share of it. */
const TARGET_RATE_SHARE = 0.95;
/** Reports to collect before `migrate`, so the "before" rate has a few seconds behind it. */
const MIN_TICKS_BEFORE = 2;
/** After completion, wait at most this long for the guest's first two reports from the destination. */
const AFTER_TICK_WAIT_MS = 3000;
/** Time QEMU gets to go from migrate_cancel to status cancelled. */
const CANCEL_GRACE_MS = 15_000;
const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);
/** How long to keep polling while QEMU says completed without its final figures (see completionFiguresPending). */
const COMPLETION_FIGURES_WAIT_MS = 2000;

/** Fill in the optional fields of a run config. */
export function normalizeRunConfig(config: MigrationRunConfig): Required<MigrationRunConfig> {
  const mib = Math.round(config.maxBandwidthBytesPerSec / 2 ** 20);
  return {
    name: config.name ?? `ws${config.wsMiB}-r${config.ratePagesPerSec}-bw${mib}${config.autoConverge ? '-ac' : ''}`,
    ramMiB: config.ramMiB,
    wsMiB: config.wsMiB,
    ratePagesPerSec: config.ratePagesPerSec,
    fill: config.fill ?? true,
    maxBandwidthBytesPerSec: config.maxBandwidthBytesPerSec,
    downtimeLimitMs: config.downtimeLimitMs,
    autoConverge: config.autoConverge ?? false,
    timeBoundS: config.timeBoundS,
    fillContent: config.fillContent ?? 'pattern',
    pageContent: config.pageContent ?? 'byte',
    deltaBytes: config.deltaBytes ?? 1,
    multifdChannels: config.multifdChannels ?? 0,
    multifdCompression: config.multifdCompression ?? 'none',
    xbzrleCacheBytes: config.xbzrleCacheBytes ?? 0,
    flushTlb: config.flushTlb ?? false,
  };
}

/**
 * Run one real migration and measure it. Both QEMUs are stopped before this
 * returns or throws.
 */
export async function measureMigration(config: MigrationRunConfig, options: MeasureOptions = {}): Promise<MigrationRecord> {
  const cfg = normalizeRunConfig(config);
  const log = options.log ?? (() => undefined);
  const wallStart = performance.now();
  const kernelPath = options.kernelPath ?? (await buildGuest());
  const accel = options.accel ?? (await chooseAccelerator(kernelPath, guestCommandLine({ wsMiB: 0, ratePagesPerSec: 0 }))).accel;
  const record = await migrateOnce(cfg, kernelPath, accel, {
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    readyRateShare: options.readyRateShare ?? TARGET_RATE_SHARE,
    serialLogDir: options.serialLogDir,
    log,
  });
  record.wallTimeMs = Math.round(performance.now() - wallStart);
  log(`${cfg.name}: ${record.outcome}, total ${record.totalTimeMs} ms, ${record.syncs} syncs, downtime ${record.downtimeMs ?? '-'} ms`);
  return record;
}

async function migrateOnce(
  cfg: Required<MigrationRunConfig>,
  kernelPath: string,
  accel: Accelerator,
  options: { pollIntervalMs: number; readyTimeoutMs: number; readyRateShare: number; serialLogDir: string | undefined; log: (message: string) => void },
): Promise<MigrationRecord> {
  const { pollIntervalMs, readyTimeoutMs, readyRateShare, log } = options;
  const version = qemuVersion();
  const append = guestCommandLine({
    wsMiB: cfg.wsMiB,
    ratePagesPerSec: cfg.ratePagesPerSec,
    fill: cfg.fill,
    fillContent: cfg.fillContent,
    pageContent: cfg.pageContent,
    deltaBytes: cfg.deltaBytes,
    flushTlb: cfg.flushTlb,
  });
  const idle = cfg.wsMiB === 0 || cfg.ratePagesPerSec === 0;

  const dir = makeWorkDir();
  const started: QemuProcess[] = [];
  try {
    const common = { kernelPath, append, ramMiB: cfg.ramMiB, accel, workDir: dir.path };
    // Start both at once, but keep whichever did start so `finally` stops it.
    const results = await Promise.allSettled([QemuProcess.start({ ...common, name: 'source' }), QemuProcess.start({ ...common, name: 'destination', incomingDefer: true })]);
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const [source, destination] = started;
    if (source === undefined || destination === undefined) throw new Error('internal error: both QEMU processes started, but one is missing');

    log(`${cfg.name}: booting (${accel}, ${append})`);
    await waitGuestReady(source, cfg.ratePagesPerSec, idle, readyTimeoutMs, readyRateShare);

    // Precopy RAM migration with auto-converge or XBZRLE needs nothing on the
    // destination but the incoming socket (an XBZRLE page says so in its
    // flags). multifd must be on at both ends with the same channel count and
    // compression: the destination opens that many receive threads and
    // decompresses with the method it was given (migration/multifd.c).
    const wire = wireSettings(cfg);
    await source.qmp.execute('migrate-set-capabilities', {
      capabilities: [{ capability: 'events', state: true }, { capability: 'auto-converge', state: cfg.autoConverge }, ...wire.sourceCapabilities],
    });
    await source.qmp.execute('migrate-set-parameters', {
      'max-bandwidth': Math.round(cfg.maxBandwidthBytesPerSec),
      'downtime-limit': Math.round(cfg.downtimeLimitMs),
      ...wire.sourceParameters,
    });
    if (wire.destinationCapabilities.length > 0) {
      await destination.qmp.execute('migrate-set-capabilities', { capabilities: wire.destinationCapabilities });
      await destination.qmp.execute('migrate-set-parameters', wire.destinationParameters);
    }
    // Port 0: the kernel picks a free port, QEMU reports it in query-migrate's
    // socket-address (since QEMU 4.0), so there is no race for a port.
    await destination.qmp.execute('migrate-incoming', { uri: 'tcp:127.0.0.1:0' });
    const port = incomingPort(await destination.qmp.execute<Record<string, unknown>>('query-migrate'));
    source.qmp.drainEvents();

    log(`${cfg.name}: migrating to 127.0.0.1:${port}`);
    const t0 = performance.now();
    const wall0 = Date.now();
    await source.qmp.execute('migrate', { uri: `tcp:127.0.0.1:${port}` });

    const samples: MigrationSample[] = [];
    let cancelAtMs: number | undefined;
    let completedEarlyAtMs: number | undefined;
    for (let k = 1; ; k++) {
      const info = await source.qmp.execute<Record<string, unknown>>('query-migrate');
      const sample = flattenQueryMigrate(performance.now() - t0, info);
      samples.push(sample);
      pollSerials(source, destination);
      if (completionFiguresPending(sample)) {
        completedEarlyAtMs ??= sample.tMs;
        if (sample.tMs - completedEarlyAtMs < COMPLETION_FIGURES_WAIT_MS) {
          await sleep(20);
          continue;
        }
      }
      if (TERMINAL_STATUSES.has(sample.status)) break;
      if (cancelAtMs === undefined && sample.tMs >= cfg.timeBoundS * 1000) {
        log(`${cfg.name}: not completed after ${cfg.timeBoundS} s, cancelling`);
        cancelAtMs = sample.tMs;
        await source.qmp.execute('migrate_cancel');
      }
      if (cancelAtMs !== undefined && sample.tMs > cancelAtMs + CANCEL_GRACE_MS) {
        throw new Error(`${cfg.name}: migrate_cancel did not take effect within ${CANCEL_GRACE_MS} ms (status ${sample.status})`);
      }
      await sleep(Math.max(0, t0 + k * pollIntervalMs - performance.now()));
    }
    const endMs = performance.now() - t0;
    const finalStatus = samples.at(-1)?.status;
    if (finalStatus === 'completed') await waitDestinationTicks(destination, 2, AFTER_TICK_WAIT_MS);
    pollSerials(source, destination);

    const summary = summarizeSamples(samples);
    const guestTicks = [...ticksOf(source, 'source', t0), ...ticksOf(destination, 'destination', t0)];
    const rates = summarizeGuestTicks(guestTicks, endMs);
    const fillLine = source.serial.lines.find((l) => l.kind === 'fill');
    const events = source.qmp.drainEvents();
    const errorDesc = finalStatus === 'failed' ? String((await source.qmp.execute<Record<string, unknown>>('query-migrate'))['error-desc'] ?? '') : null;
    const record: MigrationRecord = {
      name: cfg.name,
      config: cfg,
      qemuVersion: version,
      accel,
      ...summary,
      errorDesc,
      guestRateBeforePagesPerSec: rates.beforePagesPerSec,
      guestRateDuringPagesPerSec: rates.duringPagesPerSec,
      guestRateMinDuringPagesPerSec: rates.minDuringPagesPerSec,
      guestRateAfterPagesPerSec: rates.afterPagesPerSec,
      guestWritesLost: rates.writesLost,
      guestFillBytes: fillLine?.kind === 'fill' ? fillLine.bytes : null,
      guestZeroLowPages: fillLine?.kind === 'fill' ? fillLine.zeroLowPages : null,
      syncTimesMs: events.filter((e) => e.event === 'MIGRATION_PASS').map((e) => eventTimeMs(e, wall0)),
      stopTimeMs: eventTimeMsOrNull(
        events.find((e) => e.event === 'STOP'),
        wall0,
      ),
      wallTimeMs: 0,
      samples,
      guestTicks,
    };
    return record;
  } finally {
    await Promise.allSettled(started.map((p) => p.shutdown()));
    if (options.serialLogDir !== undefined) {
      mkdirSync(options.serialLogDir, { recursive: true });
      for (const p of started) {
        if (existsSync(p.serial.path)) copyFileSync(p.serial.path, join(options.serialLogDir, `${cfg.name}.${p.name}.log`));
      }
    }
    dir.remove();
  }
}

/** The capabilities and parameters that turn a run's wire features on, per side (none for the default grid's runs). */
export function wireSettings(cfg: Required<MigrationRunConfig>): {
  sourceCapabilities: Array<{ capability: string; state: boolean }>;
  sourceParameters: Record<string, number | string>;
  destinationCapabilities: Array<{ capability: string; state: boolean }>;
  destinationParameters: Record<string, number | string>;
} {
  const multifd = cfg.multifdChannels > 0;
  const multifdCapabilities = multifd ? [{ capability: 'multifd', state: true }] : [];
  const multifdParameters: Record<string, number | string> = multifd ? { 'multifd-channels': cfg.multifdChannels, 'multifd-compression': cfg.multifdCompression } : {};
  const xbzrle = cfg.xbzrleCacheBytes > 0;
  return {
    sourceCapabilities: [...multifdCapabilities, ...(xbzrle ? [{ capability: 'xbzrle', state: true }] : [])],
    sourceParameters: { ...multifdParameters, ...(xbzrle ? { 'xbzrle-cache-size': cfg.xbzrleCacheBytes } : {}) },
    destinationCapabilities: multifdCapabilities,
    destinationParameters: multifdParameters,
  };
}

/** Wait until the guest has filled RAM and, unless idle, writes at (nearly) its target rate. */
async function waitGuestReady(source: QemuProcess, targetPagesPerSec: number, idle: boolean, timeoutMs: number, rateShare: number): Promise<void> {
  const start = performance.now();
  let ticks = 0;
  let atTarget = false;
  for (;;) {
    for (const line of source.serial.poll(performance.now())) {
      if (line.kind === 'error') throw new Error(`calibration guest failed: ${line.message}`);
      if (line.kind === 'idle' && idle) return;
      if (line.kind === 'tick') {
        ticks++;
        if (line.ratePagesPerSec >= rateShare * targetPagesPerSec) atTarget = true;
      }
    }
    if (!idle && atTarget && ticks >= MIN_TICKS_BEFORE) return;
    if (!source.running) throw new Error(`source QEMU exited before the guest was ready:\n${source.output()}`);
    if (performance.now() - start > timeoutMs) {
      const what = idle ? 'print "idle"' : `report ${rateShare * 100} % of ${targetPagesPerSec} pages/s`;
      throw new Error(`the calibration guest did not ${what} within ${timeoutMs} ms; serial output:\n${source.serial.tail()}`);
    }
    await sleep(50);
  }
}

/** The port QEMU listens on, from the destination's query-migrate socket-address. */
function incomingPort(info: Record<string, unknown>): number {
  const addresses = info['socket-address'];
  if (Array.isArray(addresses)) {
    for (const a of addresses as Array<Record<string, unknown>>) {
      const port = Number(a.port);
      if (a.type === 'inet' && Number.isInteger(port) && port > 0) return port;
    }
  }
  throw new Error(`destination QEMU did not report its listening port: ${JSON.stringify(info)}`);
}

function pollSerials(...procs: QemuProcess[]): void {
  const now = performance.now();
  for (const p of procs) p.serial.poll(now);
}

/** Wait for `count` rate reports from the guest on the destination (none come from an idle guest). */
async function waitDestinationTicks(destination: QemuProcess, count: number, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    destination.serial.poll(performance.now());
    const lines = destination.serial.lines;
    if (lines.some((l) => l.kind === 'idle') || lines.filter((l) => l.kind === 'tick').length >= count) return;
    await sleep(50);
  }
}

function ticksOf(proc: QemuProcess, host: GuestTick['host'], t0: number): GuestTick[] {
  return proc.serial.lines
    .filter((l): l is Extract<TimedGuestLine, { kind: 'tick' }> => l.kind === 'tick')
    .map((l) => ({ tMs: l.hostTimeMs - t0, host, ratePagesPerSec: l.ratePagesPerSec, writes: l.writes, rebases: l.rebases }));
}

/** A QMP event's timestamp (host wall clock) relative to wall0 (Date.now() at `migrate`), ms. */
function eventTimeMs(ev: QmpEvent, wall0: number): number {
  const ts = ev.timestamp;
  return ts === undefined ? Number.NaN : ts.seconds * 1000 + ts.microseconds / 1000 - wall0;
}

function eventTimeMsOrNull(ev: QmpEvent | undefined, wall0: number): number | null {
  return ev === undefined ? null : eventTimeMs(ev, wall0);
}
