// A small client for the QEMU Machine Protocol over a unix socket.
//
// Protocol (QEMU docs/interop/qmp-spec.rst): the server sends a greeting
// {"QMP": {...}}; the client must send qmp_capabilities before anything
// else; then each {"execute", "arguments", "id"} gets exactly one
// {"return", "id"} or {"error": {class, desc}, "id"}, and asynchronous
// {"event", "data", "timestamp"} messages may arrive at any time, including
// between a command and its response. A QMP socket serves one client at a
// time (docs/qemu-observed.md#9-one-qmp-client-at-a-time), so one QmpClient is kept open per QEMU for
// the whole run.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Socket } from 'node:net';

/** An asynchronous QMP event, as QEMU sends it. */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** The server's greeting (QMP.version, QMP.capabilities). */
export interface QmpGreeting {
  QMP: {
    version?: { qemu?: { major: number; minor: number; micro: number }; package?: string };
    capabilities?: string[];
  };
}

export interface QmpConnectOptions {
  /** Give up connecting (socket missing or refusing) after this long. */
  connectTimeoutMs?: number;
  /** Default time to wait for a command's response. */
  commandTimeoutMs?: number;
  /** Stop retrying (e.g. because QEMU already exited). */
  signal?: AbortSignal;
}

/** QEMU answered a command with {"error": {...}}. */
export class QmpCommandError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`);
    this.name = 'QmpCommandError';
  }
}

/** No answer (greeting, response or event) within the allowed time. */
export class QmpTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`QMP: no ${what} within ${timeoutMs} ms`);
    this.name = 'QmpTimeoutError';
  }
}

interface PendingCommand {
  command: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface EventWaiter {
  name: string | undefined;
  resolve: (ev: QmpEvent) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
const CONNECT_RETRY_MS = 50;

export class QmpClient {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, PendingCommand>();
  private readonly events: QmpEvent[] = [];
  private readonly eventWaiters: EventWaiter[] = [];
  private closedError: Error | undefined;
  private greetingWaiter: { resolve: (g: QmpGreeting) => void; reject: (err: Error) => void } | undefined;
  private greetingValue: QmpGreeting | undefined;
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedError ??= new Error('QMP connection closed by QEMU');
        this.fail(this.closedError);
        resolve();
      });
    });
    // 'error' is always followed by 'close'; remember why.
    socket.on('error', (err) => {
      this.closedError ??= new Error(`QMP socket error: ${err.message}`);
    });
  }

  /**
   * Connect to a QMP unix socket, read the greeting and leave the
   * capabilities-negotiation mode. Retries while the socket does not exist
   * yet (QEMU creates it shortly after it starts).
   */
  static async connect(socketPath: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = Date.now() + connectTimeoutMs;
    let lastError: Error | undefined;
    for (;;) {
      if (options.signal?.aborted) throw new Error(`QMP: connecting to ${socketPath} was abandoned`);
      try {
        const socket = await openSocket(socketPath);
        const client = new QmpClient(socket, options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
        try {
          await client.waitGreeting(Math.max(1, deadline - Date.now()));
          await client.execute('qmp_capabilities');
          return client;
        } catch (err) {
          client.destroy();
          throw err;
        }
      } catch (err) {
        lastError = err as Error;
        const code = (err as NodeJS.ErrnoException).code;
        const retriable = code === 'ENOENT' || code === 'ECONNREFUSED';
        if (!retriable || Date.now() + CONNECT_RETRY_MS > deadline || options.signal?.aborted) break;
        await sleep(CONNECT_RETRY_MS);
      }
    }
    throw new Error(`QMP: cannot connect to ${socketPath} within ${connectTimeoutMs} ms: ${lastError?.message ?? 'unknown error'}`);
  }

  /** The greeting QEMU sent on connection. */
  get greeting(): QmpGreeting {
    if (this.greetingValue === undefined) throw new Error('QMP greeting not received yet');
    return this.greetingValue;
  }

  /** True once the connection is closed (by either side). */
  get closed(): boolean {
    return this.closedError !== undefined || this.socket.destroyed;
  }

  /** Run one command; resolves with its "return" value, rejects with QmpCommandError. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const id = `migsweep-${this.nextId++}`;
    const limitMs = timeoutMs ?? this.commandTimeoutMs;
    const message: Record<string, unknown> = { execute: command, id };
    if (args !== undefined) message.arguments = args;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpTimeoutError(`response to ${command}`, limitMs));
      }, limitMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(JSON.stringify(message) + '\n');
    });
  }

  /** Take every queued event (oldest first) and empty the queue. */
  drainEvents(): QmpEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /**
   * The next queued or arriving event (named `name` if given; other events
   * stay queued). Rejects with QmpTimeoutError after timeoutMs.
   */
  nextEvent(name?: string, timeoutMs = this.commandTimeoutMs): Promise<QmpEvent> {
    const index = this.events.findIndex((ev) => name === undefined || ev.event === name);
    const [queued] = index >= 0 ? this.events.splice(index, 1) : [];
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    return new Promise<QmpEvent>((resolve, reject) => {
      const waiter: EventWaiter = {
        name,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.eventWaiters.indexOf(waiter);
          if (i >= 0) this.eventWaiters.splice(i, 1);
          reject(new QmpTimeoutError(`event ${name ?? '(any)'}`, timeoutMs));
        }, timeoutMs),
      };
      this.eventWaiters.push(waiter);
    });
  }

  /** Close the connection; pending commands are rejected. Resolves when closed. */
  async close(): Promise<void> {
    this.closedError ??= new Error('QMP connection closed');
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    await this.closedPromise;
    clearTimeout(timer);
  }

  /** Drop the connection at once. */
  destroy(): void {
    this.closedError ??= new Error('QMP connection closed');
    this.socket.destroy();
  }

  private waitGreeting(timeoutMs: number): Promise<QmpGreeting> {
    if (this.greetingValue !== undefined) return Promise.resolve(this.greetingValue);
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    return new Promise<QmpGreeting>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.greetingWaiter = undefined;
        reject(new QmpTimeoutError('greeting', timeoutMs));
      }, timeoutMs);
      this.greetingWaiter = {
        resolve: (g) => {
          clearTimeout(timer);
          resolve(g);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line.length > 0) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.closedError ??= new Error(`QMP: unparsable message from QEMU: ${line.slice(0, 200)}`);
      this.socket.destroy();
      return;
    }
    if ('QMP' in msg) {
      this.greetingValue = msg as unknown as QmpGreeting;
      this.greetingWaiter?.resolve(this.greetingValue);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof msg.event === 'string') {
      this.onEvent(msg as unknown as QmpEvent);
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : undefined;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (pending === undefined || id === undefined) return; // a reply to a timed-out command
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if ('error' in msg) {
      const error = msg.error as { class?: string; desc?: string };
      pending.reject(new QmpCommandError(pending.command, error.class ?? 'GenericError', error.desc ?? ''));
    } else {
      pending.resolve(msg.return);
    }
  }

  private onEvent(ev: QmpEvent): void {
    const i = this.eventWaiters.findIndex((w) => w.name === undefined || w.name === ev.event);
    const [waiter] = i >= 0 ? this.eventWaiters.splice(i, 1) : [];
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      waiter.resolve(ev);
    } else {
      this.events.push(ev);
    }
  }

  private fail(err: Error): void {
    this.greetingWaiter?.reject(err);
    this.greetingWaiter = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    for (const w of this.eventWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}

function openSocket(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
