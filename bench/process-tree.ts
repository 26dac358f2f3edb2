/**
 * A whole command as a user runs it: a child process, its wall time and the
 * peak memory of its whole process tree (the process, its worker threads,
 * and any process it starts), sampled from /proc every POLL_MS (Linux: the
 * sum of VmRSS over the tree at each sample; a peak shorter than one sample
 * can be missed). Where /proc is missing the peak is NaN.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const POLL_MS = 50;

export interface CommandRun {
  /** exit code (null when killed by a signal) */
  code: number | null;
  ms: number;
  /** peak resident memory of the process tree, bytes */
  peakRssBytes: number;
  /** CPU time of the process tree, all threads, user and system, ms (NaN without /proc) */
  cpuMs: number;
  stdout: string;
  stderr: string;
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // the process ended between the listing and the read
  }
};

/** Resident memory of `root` and every descendant now, bytes (from /proc/<pid>/stat's ppid and /proc/<pid>/status's VmRSS). */
export function treeRssBytes(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  let bytes = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`));
    if (kib) bytes += Number(kib[1]) * 1024;
    todo.push(...(children.get(pid) ?? []));
  }
  return bytes;
}

/**
 * CPU time, ms, of this process's children that have ended and been waited
 * for (the cutime and cstime of /proc/self/stat, in clock ticks of 10 ms:
 * Linux's USER_HZ); NaN without /proc. A child's own threads and waited-for
 * children are in it: read before and after one command, the difference is
 * the whole command's CPU time.
 */
export function childrenCpuMs(): number {
  const stat = read('/proc/self/stat');
  if (stat === '') return NaN;
  // fields after 'pid (comm) ': state is field 3, cutime 16, cstime 17
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** Run `command args` from `cwd` to its end; stdout and stderr are kept (the last 64 KiB of each). */
export function runCommand(command: string, args: string[], cwd: string): Promise<CommandRun> {
  const proc = existsSync('/proc/self/status');
  const t0 = performance.now();
  const cpu0 = childrenCpuMs();
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const keep = (s: string) => (s.length > 65536 ? s.slice(-65536) : s);
  child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout + d.toString())));
  child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr + d.toString())));
  let peak = 0;
  const sample = () => {
    if (proc && child.pid !== undefined) peak = Math.max(peak, treeRssBytes(child.pid));
  };
  const timer = setInterval(sample, POLL_MS);
  sample();
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, ms: performance.now() - t0, peakRssBytes: proc ? peak : NaN, cpuMs: childrenCpuMs() - cpu0, stdout, stderr });
    });
  });
}
