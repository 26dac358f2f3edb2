/**
 * The thread that encodes and writes runs.parquet's parts (part-encode.ts),
 * so that the main thread only copies the workers' columns into the part
 * being filled. Parts arrive in order on its port; after each one it posts
 * the outcome (and a write error's message, code and path, so that a full
 * disk is reported as such) and counts it in the shared counter the writer
 * waits on (Atomics), which lets the writer finish synchronously.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { encodePart, writePartFile, type PartData } from './part-encode.js';

export interface EncoderData {
  dir: string;
  /** [parts finished] */
  done: Int32Array;
  /** where outcomes go (read with receiveMessageOnPort) */
  port: MessagePort;
}

export interface PartJob {
  n: number;
  part: PartData;
}

export interface PartOutcome {
  n: number;
  error?: { message: string; code?: string; path?: string };
}

const { dir, done, port } = workerData as EncoderData;
parentPort!.on('message', (job: PartJob) => {
  let outcome: PartOutcome = { n: job.n };
  try {
    writePartFile(dir, job.n, encodePart(job.part));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    outcome = { n: job.n, error: { message: err.message ?? String(e), code: err.code, path: err.path } };
  }
  port.postMessage(outcome);
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
