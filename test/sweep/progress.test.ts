import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, Progress, progressLine } from '../../src/sweep/progress.js';
import { Sink } from './helpers.js';

describe('progress', () => {
  test('the line: share, counts, rate over this session, ETA, errors', () => {
    // 1,000 done of 4,000, 200 of them before a resume, in 4 s: 200/s, 3,000 left: 15 s
    assert.equal(progressLine(1000, 4000, 200, 4, 2), '25.0% 1,000/4,000 tasks, 200/s, ETA 15s, 2 errors');
    assert.equal(progressLine(4000, 4000, 0, 8, 0), '100.0% 4,000/4,000 tasks, 500/s');
    assert.equal(formatDuration(185), '3m 05s');
    assert.equal(formatDuration(7800), '2h 10m');
  });

  test('a TTY gets one redrawn bar at most every 100 ms, ended by a newline', () => {
    let now = 0;
    const sink = new Sink();
    const p = new Progress(sink, 'bar', 100, 0, () => now);
    p.update(10, 0);
    now = 50;
    p.update(20, 0); // too soon
    now = 150;
    p.update(30, 0);
    p.finish(100, 0);
    const draws = sink.text.split('\r').filter(Boolean);
    assert.equal(draws.length, 3);
    assert.ok(draws[1]!.startsWith('\x1b[2K'), 'the line is cleared first');
    assert.match(draws[1]!.slice('\x1b[2K'.length), /^\[#{7}\.{17}\] 30\.0% 30\/100 tasks/);
    assert.ok(sink.text.endsWith('\n'));
  });

  test('a log gets a plain line every 10 s; --quiet gets nothing', () => {
    let now = 0;
    const sink = new Sink();
    const p = new Progress(sink, 'lines', 100, 0, () => now);
    for (let i = 1; i <= 30; i++) {
      now = i * 1000;
      p.update(i, 0);
    }
    assert.equal(sink.text.split('\n').filter(Boolean).length, 3);
    assert.doesNotMatch(sink.text, /\r/);
    const quiet = new Sink();
    const q = new Progress(quiet, 'quiet', 100, 0, () => now);
    q.update(50, 0);
    q.finish(100, 0);
    assert.equal(quiet.text, '');
  });
});
