/** Shared by the sweep tests: temporary folders, sweep files written on the fly, output captured, the CLI. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { runSweep, type SweepOptions } from '../../src/sweep/session.js';

export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
/** test/ in the source tree (fixtures are not compiled) */
export const TEST_SRC = fileURLToPath(new URL('../../../test/', import.meta.url));
export const SWEEPS = fileURLToPath(new URL('../../../sweeps/', import.meta.url));

/** A temporary folder removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'migsweep-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write a sweep file into `dir` and return its path. */
export function sweepFile(dir: string, name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** A stream that keeps what is written to it. */
export class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}

export function migsweep(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Start the CLI in the background (for signals). */
export function migsweepBackground(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, done, stderr: () => err };
}

/** Lines of a CSV text, without the header. */
export function rows(csv: string): string[] {
  return csv.trimEnd().split('\n').slice(1);
}

/** FNV-1a, 32 bits, written out here to check the sweep's seeds independently of the engine's hashString. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * runSweep on `file` in-process, quiet, 2 workers, no after-sweep hooks,
 * each run in a fresh folder under `dir` unless `out` is given; what it
 * printed comes back with the outcome.
 */
export function sweeper(file: string, dir: string) {
  let n = 0;
  return async (extra: Partial<SweepOptions> = {}) => {
    const stdout = new Sink();
    const stderr = new Sink();
    const out = extra.out ?? join(dir, `run-${n++}`);
    const r = await runSweep({ file, out, workers: 2, progress: 'quiet', stdout, stderr, hooks: [], ...extra });
    return { ...r, out, stdout: stdout.text, stderr: stderr.text };
  };
}
