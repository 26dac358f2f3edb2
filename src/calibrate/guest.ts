// Builds the calibration guest (calibrate/guest/) into a multiboot ELF that
// `qemu-system-x86_64 -kernel` boots. The output is cached by a hash of the
// sources and flags, so repeated runs and parallel test files build once.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Sources, relative to the guest source folder, in link order. */
const GUEST_SOURCES = ['boot.S', 'guest.c'] as const;
const LINKER_SCRIPT = 'linker.ld';

/**
 * gcc flags. -m32 and the multiboot v1 loader: QEMU's multiboot loader only
 * takes 32-bit ELF (hw/i386/multiboot.c rejects ELFCLASS64). -mno-sse/-mno-mmx
 * because the guest never enables SSE (CR4.OSFXSR), so such an instruction
 * would fault. -lgcc supplies the 64-bit division helpers (__udivdi3).
 */
const GCC_FLAGS = [
  '-m32',
  '-march=i686',
  '-ffreestanding',
  '-nostdlib',
  '-fno-pie',
  '-no-pie',
  '-O2',
  '-fno-stack-protector',
  '-mno-sse',
  '-mno-mmx',
  '-Wall',
  '-Wextra',
  '-Wl,--build-id=none',
  '-Wl,-z,noexecstack',
  '-Wl,--no-warn-rwx-segments',
] as const;

const INSTALL_HINT = 'install it with `apt-get install -y gcc gcc-multilib` (Debian/Ubuntu) or run scripts/ci-install-qemu.sh';

/** The guest's parameters, as its multiboot command line carries them. */
export interface GuestParams {
  /** Working set written cyclically, MiB; 0 = idle. */
  wsMiB: number;
  /** Page writes per second; 0 = idle. */
  ratePagesPerSec: number;
  /** Fill RAM above the kernel with non-zero bytes (default true). */
  fill?: boolean;
  /** What the fill writes: a repeated word (default; compresses to almost nothing) or incompressible random words. */
  fillContent?: FillContent;
  /** What one page write changes (default `byte`); see PAGE_CONTENT_CODES. */
  pageContent?: PageContent;
  /** Bytes a `delta` write changes in its page (default 1). */
  deltaBytes?: number;
  /** Drop the TCG TLB entry of each page before writing it, so QEMU < 9.0 logs every write as dirty (guest.c `flush`). */
  flushTlb?: boolean;
}

export type FillContent = 'pattern' | 'random';
/**
 * The guest's page contents (calibrate/guest/guest.c, `content=`): `byte`
 * one byte per write (the default grid's writer), `zero` zero bytes into a
 * zeroed working set (every page stays a zero page), `random` a whole page
 * of fresh random words (incompressible), `delta` `deltaBytes` contiguous
 * bytes changed per write (what XBZRLE encodes in deltaBytes + 2 bytes).
 */
export type PageContent = 'byte' | 'zero' | 'random' | 'delta';
export const PAGE_CONTENT_CODES: Readonly<Record<PageContent, number>> = { byte: 0, zero: 1, random: 2, delta: 3 };

export interface BuildGuestOptions {
  /** Folder with boot.S, guest.c, linker.ld; default: calibrate/guest of this repository. */
  sourceDir?: string;
  /** Where built kernels are cached; default: <tmpdir>/migsweep-guest-cache. */
  cacheDir?: string;
  /** C compiler driver; default: $CC or gcc. */
  cc?: string;
}

/** The compiler is missing or cannot build 32-bit freestanding code. */
export class GuestToolchainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestToolchainError';
  }
}

/** Default location of the guest sources: <repo>/calibrate/guest (this file is dist/src/calibrate/guest.js). */
export function defaultGuestSourceDir(): string {
  return fileURLToPath(new URL('../../../calibrate/guest/', import.meta.url));
}

/** The -append string for the guest. */
export function guestCommandLine(params: GuestParams): string {
  const fill = (params.fill ?? true) ? (params.fillContent === 'random' ? 2 : 1) : 0;
  const base = `ws=${Math.round(params.wsMiB)} rate=${Math.round(params.ratePagesPerSec)} fill=${fill}`;
  const content = params.pageContent ?? 'byte';
  // The default grid's command line stays as it was (its runs are the reference fixture).
  const flush = params.flushTlb === true ? ' flush=1' : '';
  if (content === 'byte' && flush === '') return base;
  return `${base} content=${PAGE_CONTENT_CODES[content]} delta=${Math.round(params.deltaBytes ?? 1)}${flush}`;
}

/**
 * Build the guest kernel (or reuse the cached build) and return its path.
 * Throws GuestToolchainError, saying what to install, when gcc or its 32-bit
 * support is missing.
 */
export async function buildGuest(options: BuildGuestOptions = {}): Promise<string> {
  const sourceDir = options.sourceDir ?? defaultGuestSourceDir();
  const cacheDir = options.cacheDir ?? join(tmpdir(), 'migsweep-guest-cache');
  const cc = options.cc ?? process.env.CC ?? 'gcc';

  const hash = createHash('sha256');
  hash.update(JSON.stringify({ cc, GCC_FLAGS }));
  for (const name of [...GUEST_SOURCES, LINKER_SCRIPT]) {
    const path = join(sourceDir, name);
    if (!existsSync(path)) throw new Error(`guest source missing: ${path}`);
    hash.update(name).update(readFileSync(path));
  }
  const out = join(cacheDir, `guest-${hash.digest('hex').slice(0, 16)}.elf`);
  if (existsSync(out)) return out;

  mkdirSync(cacheDir, { recursive: true });
  // Build under a unique name and rename: concurrent builders never see a half-written kernel.
  const partial = `${out}.${process.pid}.${Date.now()}.tmp`;
  const args = [...GCC_FLAGS, '-T', join(sourceDir, LINKER_SCRIPT), '-o', partial, ...GUEST_SOURCES.map((s) => join(sourceDir, s)), '-lgcc'];
  const result = await run(cc, args);
  if (result.spawnError !== undefined) {
    throw new GuestToolchainError(
      result.spawnError.code === 'ENOENT'
        ? `cannot build the calibration guest: the C compiler \`${cc}\` is not installed; ${INSTALL_HINT}`
        : `cannot run ${cc}: ${result.spawnError.message}`,
    );
  }
  if (result.code !== 0) {
    rmSync(partial, { force: true });
    const missing32 = /-lgcc|incompatible|gnu\/stubs-32|crt[0-9a-z]*\.o|unrecognized.*-m32|elf_i386/i.test(result.stderr);
    if (missing32) {
      throw new GuestToolchainError(`cannot build the 32-bit calibration guest: \`${cc} -m32\` lacks 32-bit support; ${INSTALL_HINT}\n${result.stderr.trim()}`);
    }
    throw new Error(`building the calibration guest failed (${cc} exited ${result.code}):\n${result.stderr.trim()}`);
  }
  renameSync(partial, out);
  return out;
}

/**
 * Whether `cc -m32` can build and link a freestanding program with libgcc.
 * Returns undefined when it can, else the reason (with the install command).
 */
export async function guestToolchainProblem(cc = process.env.CC ?? 'gcc'): Promise<string | undefined> {
  const dir = join(tmpdir(), `migsweep-cc-probe-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  try {
    const src = join(dir, 'probe.c');
    // A 64-bit division pulls __udivdi3 from the 32-bit libgcc, which is
    // exactly what a missing gcc-multilib lacks.
    writeFileSync(src, 'unsigned long long d(unsigned long long a, unsigned long long b) { return a / b; }\nvoid _start(void) { for (;;) {} }\n');
    const result = await run(cc, ['-m32', '-ffreestanding', '-nostdlib', '-fno-pie', '-no-pie', '-O2', '-o', join(dir, 'probe'), src, '-lgcc']);
    if (result.spawnError !== undefined) return `the C compiler \`${cc}\` is not installed; ${INSTALL_HINT}`;
    if (result.code !== 0) return `\`${cc} -m32\` cannot link 32-bit freestanding code; ${INSTALL_HINT}`;
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface RunResult {
  code: number | null;
  stderr: string;
  spawnError?: NodeJS.ErrnoException;
}

function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (err) => resolve({ code: null, stderr, spawnError: err }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
