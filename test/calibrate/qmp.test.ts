import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpClient, QmpCommandError, QmpTimeoutError } from '../../src/calibrate/qmp.js';

type Message = { execute?: string; arguments?: Record<string, unknown>; id?: string };
type Handler = (msg: Message, send: (obj: unknown) => void, socket: Socket) => void;

const GREETING = {
  QMP: { version: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'fake' }, capabilities: ['oob'] },
};

/**
 * A fake QEMU QMP server on a unix socket: greets each client, answers
 * qmp_capabilities, and passes every other command to `handler`. Like
 * QEMU it writes CRLF-terminated JSON lines.
 */
async function fakeQmp(
  handler: Handler,
  options: { greet?: boolean } = {},
): Promise<{
  path: string;
  received: Message[];
  close: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'migsweep-fakeqmp-'));
  const path = join(dir, 'qmp.sock');
  const received: Message[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const send = (obj: unknown): void => {
      socket.write(JSON.stringify(obj) + '\r\n');
    };
    if (options.greet !== false) send(GREETING);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buffer.slice(0, nl)) as Message;
        buffer = buffer.slice(nl + 1);
        received.push(msg);
        if (msg.execute === 'qmp_capabilities') send({ return: {}, id: msg.id });
        else handler(msg, send, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('connect reads the greeting and sends qmp_capabilities before any command', async () => {
  const server = await fakeQmp((msg, send) => send({ return: { status: 'running', running: true }, id: msg.id }));
  const qmp = await QmpClient.connect(server.path);
  try {
    assert.equal(qmp.greeting.QMP.version?.qemu?.major, 7);
    const status = await qmp.execute<{ status: string }>('query-status');
    assert.equal(status.status, 'running');
    assert.equal(server.received[0]!.execute, 'qmp_capabilities');
    assert.equal(server.received[1]!.execute, 'query-status');
  } finally {
    await qmp.close();
    await server.close();
  }
});

test('responses are matched to commands by id, even when they come back out of order', async () => {
  const held: Array<{ msg: Message; send: (obj: unknown) => void }> = [];
  const server = await fakeQmp((msg, send) => {
    held.push({ msg, send });
    if (held.length === 2) {
      // Answer the second command first.
      for (const h of [...held].reverse()) h.send({ return: { echo: h.msg.arguments?.n }, id: h.msg.id });
    }
  });
  const qmp = await QmpClient.connect(server.path);
  try {
    const [a, b] = await Promise.all([qmp.execute<{ echo: number }>('echo', { n: 1 }), qmp.execute<{ echo: number }>('echo', { n: 2 })]);
    assert.equal(a.echo, 1);
    assert.equal(b.echo, 2);
    assert.notEqual(held[0]!.msg.id, held[1]!.msg.id);
  } finally {
    await qmp.close();
    await server.close();
  }
});

test('an event arriving between a command and its response is queued, and the command still resolves', async () => {
  const server = await fakeQmp((msg, send) => {
    send({ event: 'MIGRATION_PASS', data: { pass: 2 }, timestamp: { seconds: 100, microseconds: 5 } });
    send({ event: 'STOP', timestamp: { seconds: 100, microseconds: 9 } });
    send({ return: { status: 'active' }, id: msg.id });
  });
  const qmp = await QmpClient.connect(server.path);
  try {
    const info = await qmp.execute<{ status: string }>('query-migrate');
    assert.equal(info.status, 'active');
    // nextEvent by name takes the matching one and leaves the other queued.
    const stop = await qmp.nextEvent('STOP', 1000);
    assert.equal(stop.timestamp?.microseconds, 9);
    const rest = qmp.drainEvents();
    assert.deepEqual(
      rest.map((e) => [e.event, e.data]),
      [['MIGRATION_PASS', { pass: 2 }]],
    );
    assert.deepEqual(qmp.drainEvents(), []);
  } finally {
    await qmp.close();
    await server.close();
  }
});

test('nextEvent waits for an event that has not arrived yet', async () => {
  let sendLater: ((obj: unknown) => void) | undefined;
  const server = await fakeQmp((msg, send) => {
    sendLater = send;
    send({ return: {}, id: msg.id });
  });
  const qmp = await QmpClient.connect(server.path);
  try {
    await qmp.execute('migrate', { uri: 'tcp:127.0.0.1:1' });
    const waiting = qmp.nextEvent('MIGRATION', 2000);
    setTimeout(() => sendLater?.({ event: 'MIGRATION', data: { status: 'completed' } }), 50);
    const ev = await waiting;
    assert.deepEqual(ev.data, { status: 'completed' });
  } finally {
    await qmp.close();
    await server.close();
  }
});

test('an error response rejects with QmpCommandError carrying class and desc', async () => {
  const server = await fakeQmp((msg, send) => send({ error: { class: 'CommandNotFound', desc: 'The command nope has not been found' }, id: msg.id }));
  const qmp = await QmpClient.connect(server.path);
  try {
    await assert.rejects(qmp.execute('nope'), (err: unknown) => {
      assert.ok(err instanceof QmpCommandError);
      assert.equal(err.command, 'nope');
      assert.equal(err.errorClass, 'CommandNotFound');
      assert.match(err.desc, /has not been found/);
      return true;
    });
  } finally {
    await qmp.close();
    await server.close();
  }
});

test('a command that gets no answer times out, a late answer is ignored, and the connection stays usable', async () => {
  let silent = true;
  const late: Array<() => void> = [];
  const server = await fakeQmp((msg, send) => {
    if (silent) late.push(() => send({ return: { late: true }, id: msg.id }));
    else send({ return: { late: false }, id: msg.id });
  });
  const qmp = await QmpClient.connect(server.path);
  try {
    await assert.rejects(qmp.execute('query-migrate', undefined, 150), (err: unknown) => {
      assert.ok(err instanceof QmpTimeoutError);
      assert.equal(err.message, 'QMP: no response to query-migrate within 150 ms');
      return true;
    });
    silent = false;
    for (const f of late) f();
    const r = await qmp.execute<{ late: boolean }>('query-migrate');
    assert.equal(r.late, false);
  } finally {
    await qmp.close();
    await server.close();
  }
});

test('connect times out when the server never greets', async () => {
  const server = await fakeQmp(() => undefined, { greet: false });
  try {
    await assert.rejects(QmpClient.connect(server.path, { connectTimeoutMs: 200 }), /greeting/);
  } finally {
    await server.close();
  }
});

test('connect retries until the socket exists', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'migsweep-fakeqmp-late-'));
  const path = join(dir, 'qmp.sock');
  const server = createServer((socket) => {
    socket.write(JSON.stringify(GREETING) + '\r\n');
    socket.on('data', (d) => {
      const msg = JSON.parse(d.toString().trim()) as Message;
      socket.write(JSON.stringify({ return: {}, id: msg.id }) + '\r\n');
    });
  });
  setTimeout(() => server.listen(path), 200);
  try {
    const qmp = await QmpClient.connect(path, { connectTimeoutMs: 3000 });
    await qmp.close();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pending commands are rejected when QEMU closes the connection', async () => {
  const server = await fakeQmp((_msg, _send, socket) => socket.destroy());
  const qmp = await QmpClient.connect(server.path);
  try {
    await assert.rejects(qmp.execute('quit'), /closed/);
    assert.equal(qmp.closed, true);
    await assert.rejects(qmp.execute('query-status'), /closed/);
  } finally {
    await qmp.close();
    await server.close();
  }
});
