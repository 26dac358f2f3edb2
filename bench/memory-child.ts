/**
 * Runs one sweep in a process of its own and prints its peak memory (RSS,
 * workers included: they are threads of this process), for
 * sweep.bench.ts: `node dist/bench/memory-child.js <sweep-file> <out-dir> <workers>`.
 */
import { Writable } from 'node:stream';
import { runSweep } from '../src/sweep/session.js';

const [file, out, workers] = process.argv.slice(2);
if (file === undefined || out === undefined || workers === undefined) throw new Error('usage: node dist/bench/memory-child.js <sweep-file> <out-dir> <workers>');
const sink = new Writable({ write: (_c, _e, done) => done() });
const t0 = performance.now();
const r = await runSweep({ file, out, workers: Number(workers), progress: 'quiet', stdout: sink, stderr: process.stderr, hooks: [], force: true });
process.stdout.write(`${JSON.stringify({ exitCode: r.exitCode, tasks: r.done, ms: performance.now() - t0, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
