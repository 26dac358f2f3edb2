// Starting and stopping real QEMU processes for calibration runs.
//
// Guarantees: no QEMU outlives a run. Every process is registered while it
// lives; on a normal end it is asked to quit over QMP and killed if it does
// not; on SIGINT/SIGTERM of this process all are killed (process group)
// before the signal is re-raised; on process exit they are killed
// synchronously; and where util-linux `setpriv` exists each QEMU gets
// PR_SET_PDEATHSIG=SIGKILL, so even a SIGKILL of this process takes them
// down. Networking is loopback only: QMP on unix sockets, the migration
// stream on 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { QmpClient } from './qmp.js';
import { SerialLog } from './serial.js';

export type Accelerator = 'tcg' | 'kvm';

const QEMU_BINARY = 'qemu-system-x86_64';
const QEMU_INSTALL_HINT = 'install it with `apt-get install -y qemu-system-x86` (Debian/Ubuntu) or run scripts/ci-install-qemu.sh';
const OUTPUT_TAIL_CHARS = 4000;
const QUIT_TIMEOUT_MS = 5000;
/** How long a broken QMP connection waits for QEMU's exit, to report that instead. */
const EXIT_AFTER_BROKEN_QMP_MS = 2000;
const KILL_WAIT_MS = 5000;

/** qemu-system-x86_64 is not installed (message says how to install it). */
export class QemuMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QemuMissingError';
  }
}

/** Absolute path of qemu-system-x86_64 ($MIGSWEEP_QEMU, else PATH), or undefined. */
export function findQemu(): string | undefined {
  const override = process.env.MIGSWEEP_QEMU;
  if (override !== undefined && override !== '') return existsSync(override) ? override : undefined;
  return findOnPath(QEMU_BINARY);
}

/** Like findQemu, but throws QemuMissingError with the install command. */
export function requireQemu(): string {
  const path = findQemu();
  if (path === undefined) {
    throw new QemuMissingError(`${QEMU_BINARY} was not found on PATH: ${QEMU_INSTALL_HINT}`);
  }
  return path;
}

/** The first line of `qemu-system-x86_64 --version`, e.g. "QEMU emulator version 7.2.22 (Debian ...)". */
export function qemuVersion(binary = requireQemu()): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return ((r.stdout ?? '').split('\n')[0] ?? '').trim();
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Registry of live QEMU processes and the signal handlers that clean them up.

const live = new Set<ChildProcess>();
const signalHandlers = new Map<NodeJS.Signals, () => void>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // QEMU leads its own process group (detached), so this reaches anything it forked too.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function killAllNow(): void {
  for (const child of live) killGroup(child);
}

function register(child: ChildProcess): void {
  live.add(child);
  if (signalHandlers.size > 0) return;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAllNow();
      unregisterHandlers();
      // Re-raise so the process ends the way it would have without us.
      process.kill(process.pid, signal);
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

function unregisterHandlers(): void {
  for (const [signal, handler] of signalHandlers) process.off(signal, handler);
  signalHandlers.clear();
  process.off('exit', killAllNow);
}

function unregister(child: ChildProcess): void {
  live.delete(child);
  if (live.size === 0) unregisterHandlers();
}

/** How many QEMU processes this module has started and not yet seen exit (for tests). */
export function liveQemuCount(): number {
  return live.size;
}

// ---------------------------------------------------------------------------

export interface QemuOptions {
  /** Label used in file names and error messages ("source", "destination"). */
  name: string;
  kernelPath: string;
  /** Guest command line (-append). */
  append: string;
  ramMiB: number;
  accel: Accelerator;
  /** Folder for the QMP socket and the serial log (must exist). */
  workDir: string;
  /** Start as a migration destination waiting for `migrate-incoming` (-incoming defer). */
  incomingDefer?: boolean;
  qmpConnectTimeoutMs?: number;
}

/** One running QEMU: its process, QMP connection and serial log. */
export class QemuProcess {
  private outputTail = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly serial: SerialLog,
    readonly qmpSocketPath: string,
    private qmpClient: QmpClient | undefined,
  ) {
    const keep = (d: Buffer): void => {
      this.outputTail = (this.outputTail + d.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        unregister(child);
        resolve({ code, signal });
      });
    });
  }

  /** Start QEMU and connect to its QMP socket. Kills QEMU again if anything fails. */
  static async start(options: QemuOptions): Promise<QemuProcess> {
    const binary = requireQemu();
    const qmpSocketPath = join(options.workDir, `${options.name}.qmp`);
    const serialPath = join(options.workDir, `${options.name}.serial`);
    const args = [
      '-name',
      `migsweep-${options.name}`,
      '-nographic',
      '-no-user-config',
      '-nodefaults',
      '-display',
      'none',
      '-accel',
      options.accel,
      '-m',
      String(options.ramMiB),
      '-kernel',
      options.kernelPath,
      '-append',
      options.append,
      '-serial',
      `file:${serialPath}`,
      '-qmp',
      `unix:${qmpSocketPath},server=on,wait=off`,
    ];
    if (options.incomingDefer === true) args.push('-incoming', 'defer');

    const setpriv = findOnPath('setpriv');
    const [command, argv] = setpriv !== undefined ? [setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, args];
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // spawn reports ENOENT asynchronously; keep the process from dying of an unhandled 'error'.
    const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
    register(child);
    const proc = new QemuProcess(options.name, child, new SerialLog(serialPath), qmpSocketPath, undefined);
    const abandon = new AbortController();
    try {
      const exitError = ({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): Error =>
        new Error(`${options.name} QEMU exited during start-up (code ${code}, signal ${signal}):\n${proc.output()}`);
      const earlyExit = proc.exited.then((exit) => {
        throw exitError(exit);
      });
      const failed = spawnFailed.then((err) => {
        throw new Error(`cannot start ${binary}: ${err.message}`);
      });
      // QEMU opens its QMP socket before it loads the kernel, so one that cannot
      // load it may break the connection (EPIPE) before its exit is seen: then
      // the exit, with QEMU's own message, is the error to report.
      const connect = QmpClient.connect(qmpSocketPath, { connectTimeoutMs: options.qmpConnectTimeoutMs ?? 15_000, signal: abandon.signal }).catch(async (err: unknown) => {
        const exit = await Promise.race([proc.exited, delay(EXIT_AFTER_BROKEN_QMP_MS, undefined)]);
        throw exit === undefined ? err : exitError(exit);
      });
      proc.qmpClient = await Promise.race([connect, earlyExit, failed]);
      return proc;
    } catch (err) {
      abandon.abort();
      await proc.kill();
      throw err;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get qmp(): QmpClient {
    if (this.qmpClient === undefined) throw new Error(`${this.name} QEMU has no QMP connection`);
    return this.qmpClient;
  }

  /** What QEMU printed on stdout/stderr (last few KiB), for error messages. */
  output(): string {
    return this.outputTail.trim();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ask QEMU to quit over QMP; kill it if it has not exited within timeoutMs. */
  async shutdown(timeoutMs = QUIT_TIMEOUT_MS): Promise<void> {
    if (this.running && this.qmpClient !== undefined && !this.qmpClient.closed) {
      // QEMU may close the socket before it answers `quit`: that is success too.
      await this.qmpClient.execute('quit', undefined, timeoutMs).catch(() => undefined);
    }
    const exited = await this.waitExit(timeoutMs);
    this.qmpClient?.destroy();
    if (!exited) await this.kill();
  }

  /** True if the process exited within timeoutMs (the timer does not outlive the wait). */
  private async waitExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.exited.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL the process group and wait for the exit. */
  async kill(): Promise<void> {
    this.qmpClient?.destroy();
    killGroup(this.child);
    if (this.child.pid === undefined) {
      unregister(this.child);
      return;
    }
    const exited = await this.waitExit(KILL_WAIT_MS);
    if (!exited) throw new Error(`${this.name} QEMU (pid ${this.child.pid}) did not exit after SIGKILL`);
  }
}

/** A temporary folder for one run's sockets and logs; remove() deletes it. */
export function makeWorkDir(prefix = 'migsweep-qemu-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------
// Accelerator choice.

export interface AcceleratorChoice {
  accel: Accelerator;
  /** Boot + fill time of the probe guest per accelerator, ms (undefined: not usable / did not finish). */
  probeMs: Partial<Record<Accelerator, number>>;
  reason: string;
}

let cachedChoice: Promise<AcceleratorChoice> | undefined;

/**
 * Pick TCG or KVM by timing the same short guest run on each (boot, then
 * fill 255 MiB of RAM, until it prints "ready"). /dev/kvm existing says
 * nothing about speed: under nested or emulated virtualisation KVM can be
 * far slower than TCG. $MIGSWEEP_ACCEL=tcg|kvm skips the probe. Cached per
 * process.
 */
export function chooseAccelerator(kernelPath: string, append: string): Promise<AcceleratorChoice> {
  const forced = process.env.MIGSWEEP_ACCEL;
  if (forced === 'tcg' || forced === 'kvm') {
    return Promise.resolve({ accel: forced, probeMs: {}, reason: `forced by MIGSWEEP_ACCEL=${forced}` });
  }
  cachedChoice ??= probeAccelerators(kernelPath, append);
  return cachedChoice;
}

async function probeAccelerators(kernelPath: string, append: string): Promise<AcceleratorChoice> {
  const tcgMs = await timeGuestUntilReady(kernelPath, append, 'tcg', 60_000);
  if (tcgMs === undefined) throw new Error('the probe guest did not boot under TCG within 60 s');
  if (!kvmOpenable()) {
    return { accel: 'tcg', probeMs: { tcg: tcgMs }, reason: '/dev/kvm is absent or not accessible' };
  }
  // KVM only has to beat TCG, so give it TCG's time plus a margin and no more.
  const kvmMs = await timeGuestUntilReady(kernelPath, append, 'kvm', tcgMs + 2000).catch(() => undefined);
  if (kvmMs !== undefined && kvmMs < tcgMs) {
    return { accel: 'kvm', probeMs: { tcg: tcgMs, kvm: kvmMs }, reason: `KVM booted and filled RAM in ${kvmMs} ms vs TCG ${tcgMs} ms` };
  }
  return {
    accel: 'tcg',
    probeMs: { tcg: tcgMs, ...(kvmMs !== undefined ? { kvm: kvmMs } : {}) },
    reason: kvmMs === undefined ? `KVM did not boot and fill RAM within ${tcgMs + 2000} ms (TCG: ${tcgMs} ms)` : `TCG ${tcgMs} ms vs KVM ${kvmMs} ms`,
  };
}

function kvmOpenable(): boolean {
  try {
    // Opening for read/write is what QEMU does; existence alone is not enough.
    closeSync(openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/** ms from spawn until the guest prints "ready", or undefined after limitMs. Always stops QEMU. */
async function timeGuestUntilReady(kernelPath: string, append: string, accel: Accelerator, limitMs: number): Promise<number | undefined> {
  const dir = makeWorkDir('migsweep-probe-');
  const t0 = performance.now();
  let proc: QemuProcess | undefined;
  try {
    proc = await QemuProcess.start({ name: `probe-${accel}`, kernelPath, append, ramMiB: 256, accel, workDir: dir.path });
    while (performance.now() - t0 < limitMs) {
      const now = performance.now();
      if (proc.serial.poll(now).some((l) => l.kind === 'ready')) return Math.round(now - t0);
      if (!proc.running) return undefined;
      await delay(20);
    }
    return undefined;
  } finally {
    await proc?.kill();
    dir.remove();
  }
}
