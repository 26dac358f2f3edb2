import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGuestLine, SerialLog } from '../../src/calibrate/serial.js';

test('the boot line is found even when SeaBIOS text precedes it on the same line', () => {
  const line = '\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2)Booting from ROM..boot tsc_khz=2601866 ws_pages=16384 rate=16384 fill=1';
  assert.deepEqual(parseGuestLine(line), { kind: 'boot', tscKhz: 2601866, wsPages: 16384, ratePagesPerSec: 16384, fill: true });
});

test('fill, ready, idle and tick lines parse; firmware noise does not', () => {
  assert.deepEqual(parseGuestLine('fill bytes=267235328 pages=65243 ms=640 zero_low_pages=156'), {
    kind: 'fill',
    bytes: 267235328,
    pages: 65243,
    fillMs: 640,
    zeroLowPages: 156,
  });
  assert.deepEqual(parseGuestLine('ready'), { kind: 'ready' });
  assert.deepEqual(parseGuestLine('idle'), { kind: 'idle' });
  assert.deepEqual(parseGuestLine('tick t=3 rate=16369 writes=49036 rebases=33'), {
    kind: 'tick',
    guestSeconds: 3,
    ratePagesPerSec: 16369,
    writes: 49036,
    rebases: 33,
  });
  assert.equal(parseGuestLine('SeaBIOS (version 1.16.2-debian-1.16.2-1)'), undefined);
});

test('SerialLog returns only complete new lines, stamped with the poll time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migsweep-serial-'));
  try {
    const path = join(dir, 'serial');
    const log = new SerialLog(path);
    assert.deepEqual(log.poll(1), []); // file not created yet
    writeFileSync(path, 'Booting from ROM..boot tsc_khz=1000 ws_pages=0 rate=0 fill=0\nrea');
    assert.deepEqual(
      log.poll(2).map((l) => [l.kind, l.hostTimeMs]),
      [['boot', 2]],
    );
    appendFileSync(path, 'dy\r\ntick t=1 rate=5 writes=5 rebases=0\n');
    assert.deepEqual(
      log.poll(3).map((l) => l.kind),
      ['ready', 'tick'],
    );
    assert.deepEqual(log.poll(4), []);
    assert.equal(log.lines.length, 3);
    assert.match(log.tail(), /tick t=1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
