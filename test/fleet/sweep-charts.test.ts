import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetRoles, growthPoints, growthSpec, makespanVsP99Spec, medianMakespanFleet, type FleetRow } from '../../src/report/charts/fleet-sweep.js';
import { renderSvg } from '../../src/report/render.js';

const AXES = ['orchestrator.preset', 'orchestrator.maxOutboundPerHost', 'orchestrator.order', 'hosts.a.nic'];

/** Rows of a made-up sweep: 2 presets x limits 1, 2 x 2 orders x 1 NIC; makespan and worst downtime chosen to be checked by hand. */
function rows(): FleetRow[] {
  const out: FleetRow[] = [];
  let fleet = 0;
  for (const preset of ['nova', 'ovirt'])
    for (const k of [1, 2])
      for (const [o, order] of ['fifo', 'largest-ram'].entries())
        out.push({
          fleet: String(fleet++),
          'orchestrator.preset': preset,
          'orchestrator.maxOutboundPerHost': String(k),
          'orchestrator.order': order,
          'hosts.a.nic': '10Gbit/s',
          makespanMs: String(60_000 * k + 1000 * o + (preset === 'ovirt' ? 500 : 0)),
          downtimeMsP99: String(100 * k + o),
          downtimeMsMax: String(200 * k + 10 * o),
        });
  return out;
}

describe('the charts of a sweep over fleets', () => {
  test('roles: the preset colours, the per-node limit is the x axis, the NIC is a panel', () => {
    assert.deepEqual(fleetRoles(AXES), { color: 'orchestrator.preset', concurrency: 'orchestrator.maxOutboundPerHost', panels: ['hosts.a.nic'] });
  });

  test('growth with the limit: per preset and limit, the median, best and worst over the orders', () => {
    const g = growthPoints(rows(), AXES);
    const at = (setting: string, k: number, metric: string) => g.find((p) => p.setting === setting && p.k === k && p.metric === metric);
    // nova, k = 2: makespans 120,000 (fifo) and 121,000 (largest-ram)
    assert.deepEqual(at('nova', 2, 'makespanMs'), { setting: 'nova', panel: 'a.nic 10Gbit/s', k: 2, metric: 'makespanMs', median: 120_500, min: 120_000, max: 121_000 });
    // ovirt, k = 1: worst downtimes 200 and 210
    assert.deepEqual(at('ovirt', 1, 'downtimeMsMax'), { setting: 'ovirt', panel: 'a.nic 10Gbit/s', k: 1, metric: 'downtimeMsMax', median: 205, min: 200, max: 210 });
    assert.equal(g.length, 2 * 2 * 2);
  });

  test("the makespan-against-p99 chart has one point per fleet with its row's figures, and both charts render", async () => {
    const charts = [makespanVsP99Spec(rows(), AXES, 'test'), growthSpec(rows(), AXES, 'test')!];
    const points = (charts[0] as { data: { values: { fleet: string; makespan: number; p99: number }[] } }).data.values;
    assert.equal(points.length, 8);
    // makespans shown in minutes (up to about 2 min), downtimes in ms
    const f5 = points.find((p) => p.fleet === '5')!;
    assert.deepEqual([f5.makespan, f5.p99], [61_500 / 60_000, 101]);
    for (const c of charts) assert.match(await renderSvg(c), /<svg/);
  });

  test('without a concurrency axis there is no growth chart', () => {
    const axes = ['orchestrator.preset', 'orchestrator.order', 'hosts.a.nic'];
    assert.equal(growthSpec(rows(), axes, 'test'), null);
  });

  test("the Gantt's default fleet has the median makespan (the lower middle of an even count, the first fleet on a tie)", () => {
    // makespans: 60,000 60,500 61,000 61,500 120,000 120,500 121,000 121,500 (fleets 0, 4, 1, 5, 2, 6, 3, 7): the lower middle is 61,500, fleet 5
    assert.equal(medianMakespanFleet(rows()), 5);
    assert.equal(medianMakespanFleet(rows().slice(0, 3)), 1);
    assert.equal(medianMakespanFleet([]), null);
  });
});
