import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunResult, TimelinePoint } from '../../src/engine/types.js';
import { chooseExample } from '../../src/report/example-runs.js';
import { thinTimeline, timelineEvents } from '../../src/report/timeline-data.js';

function point(tMs: number, pendingBytes: number, passes = 0, event = 'sync', extra: Partial<TimelinePoint> = {}): TimelinePoint {
  return { tMs, event, pendingBytes, transferredBytes: 0, passes, syncs: 0, dirtyRateBytesPerSec: 100, throttlePct: 0, downtimeLimitMs: 30, ...extra };
}

function result(r: Partial<RunResult>): RunResult {
  return {
    totalTimeMs: 0,
    downtimeMs: NaN,
    expectedDowntimeMs: 30,
    transferredBytes: 0,
    wireBytes: 0,
    ramBytes: 1,
    transferFactor: 0,
    syncs: 0,
    passes: 0,
    outcome: 'completed',
    stopReason: 'downtime-met',
    maxThrottlePct: 0,
    throttleCpuSeconds: 0,
    postcopyMs: 0,
    ...r,
  } as RunResult;
}

test('a short timeline is kept whole', () => {
  const pts = [point(0, 10), point(100, 9), point(200, 8)];
  assert.deepEqual(thinTimeline(pts, 10), pts);
});

test("thinning keeps the first and last points, each slice's least and most pending bytes, and every change of rate or limit", () => {
  // 10 000 points of a saw-tooth between 100 and 200 pending bytes; the limit doubles at point 5000
  const pts = Array.from({ length: 10_000 }, (_, i) => point(i * 100, i % 2 === 0 ? 100 : 200, 0, 'sync', { downtimeLimitMs: i < 5000 ? 30 : 60 }));
  const thin = thinTimeline(pts, 100);
  assert.ok(thin.length <= 2 * 100 + 4, `${thin.length} points`);
  assert.equal(thin[0], pts[0]);
  assert.equal(thin[thin.length - 1], pts[pts.length - 1]);
  // the envelope survives: both the low and the high of the saw-tooth are there
  assert.equal(Math.min(...thin.map((p) => p.pendingBytes)), 100);
  assert.equal(Math.max(...thin.map((p) => p.pendingBytes)), 200);
  assert.ok(thin.includes(pts[4999]!) && thin.includes(pts[5000]!), 'the step of the limit is kept');
});

test('events: each end of a pass, the stop of the guest (end minus downtime) and the end', () => {
  const pts = [point(0, 40, 0, 'start'), point(1000, 30, 0), point(2000, 20, 1), point(3000, 20, 3), point(3500, 0, 3, 'switchover')];
  const ev = timelineEvents(pts, result({ totalTimeMs: 3500, downtimeMs: 400, stopReason: 'max-passes', passes: 3 }));
  assert.deepEqual(
    ev.map((e) => [e.kind, e.tMs, e.label]),
    [
      ['pass', 2000, 'pass 1'],
      // two passes ended between two points: both are marked at the point that shows them
      ['pass', 3000, 'pass 2'],
      ['pass', 3000, 'pass 3'],
      ['stop', 3100, 'guest stopped (max-passes)'],
      ['end', 3500, 'running on the destination'],
    ],
  );
});

test('a paused guest is marked once, at the pause; an unfinished run ends at the horizon', () => {
  const paused = timelineEvents([point(0, 9), point(60_000, 5, 0, 'pause'), point(90_000, 0, 1, 'switchover')], result({ totalTimeMs: 90_000, downtimeMs: 30_000 }));
  assert.deepEqual(
    paused.map((e) => e.kind),
    ['pause', 'pass', 'end'],
  );
  const unfinished = timelineEvents([point(0, 9), point(3_600_000, 9, 0, 'horizon')], result({ totalTimeMs: 3_600_000, outcome: 'unfinished', stopReason: 'horizon' }));
  assert.deepEqual(
    unfinished.map((e) => [e.kind, e.label]),
    [['horizon', 'horizon 1 h: still copying']],
  );
});

test("the example is the first variant's median-ratio scenario among those where it does not always complete, under every variant", () => {
  const row = (variant: string, bw: number, rate: number, completedShare: number) => ({
    scenarioId: `${variant}-${bw}-${rate}`,
    variant,
    bandwidthBytesPerSec: bw,
    dirtyRateBytesPerSec: rate,
    dirtyRateToBandwidth: rate / bw,
    completedShare,
  });
  const summary = [
    row('a', 100, 1, 1),
    row('a', 100, 10, 1),
    row('a', 100, 50, 0),
    row('a', 100, 200, 0),
    row('a', 100, 400, 0),
    row('b', 100, 1, 1),
    row('b', 100, 10, 1),
    row('b', 100, 50, 1),
    row('b', 100, 200, 1),
    row('b', 100, 400, 1),
  ];
  const cond = ['bandwidthBytesPerSec', 'dirtyRateBytesPerSec', 'dirtyRateToBandwidth'];
  const pick = chooseExample(summary, ['a', 'b'], cond, { kind: 'timeline' }, 'm.json');
  // a fails at ratios 0.5, 2 and 4: the median is 2
  assert.deepEqual(
    pick.rows.map((r) => r.scenarioId),
    ['a-100-200', 'b-100-200'],
  );
  assert.match(pick.why, /does not always complete/);
  const asked = chooseExample(summary, ['a', 'b'], cond, { kind: 'timeline', variant: 'b', where: { dirtyRateBytesPerSec: 10 } }, 'm.json');
  assert.deepEqual(
    asked.rows.map((r) => r.scenarioId),
    ['b-100-10'],
  );
  assert.throws(
    () => chooseExample(summary, ['a', 'b'], cond, { kind: 'timeline', where: { dirtyRateBytesPerSec: 11 } }, 'm.json'),
    /no scenario of 'a' has dirtyRateBytesPerSec = 11 B\/s; its values: 1 B\/s, 10 B\/s/,
  );
  assert.throws(() => chooseExample(summary, ['a', 'b'], cond, { kind: 'timeline', variant: 'c' }, 'm.json'), /no variant 'c' in this run/);
});
