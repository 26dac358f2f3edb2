/**
 * SimGrid as the oracle of the fleet's link sharing: test/fleet/oracle/
 * simgrid-flows.cpp is built here (g++ and pkg-config simgrid: Debian's
 * libsimgrid-dev, which scripts/ci-install-simgrid.sh installs in CI) and
 * run on two and four concurrent transfers over one link, started together
 * and staggered, both as plain flows and as live migrations of idle VMs
 * through SimGrid's VM live migration plugin. Each VM's end in the fleet
 * must be SimGrid's. Without the package the tests skip and say why,
 * except in CI (CI=true), where they fail.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateFleet } from '../../src/fleet/simulate-fleet.js';
import { assertClose, GiB } from '../engine/scenario-builder.js';
import { fleet, idle } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SOURCE = join(ROOT, 'test', 'fleet', 'oracle', 'simgrid-flows.cpp');

/**
 * SimGrid's flow model reduced to max-min sharing (docs/fleets.md, "Checked
 * against SimGrid"): CM02 (no bandwidth or latency factor of LV08, the
 * default), factors written out as 1, no TCP-gamma window bound, no
 * RTT weighting (weight-S), no cross traffic on the reverse direction, and
 * a solver precision far below the tolerance of the comparison.
 */
const CM02_MAX_MIN = [
  '--cfg=network/model:CM02',
  '--cfg=network/bandwidth-factor:1',
  '--cfg=network/latency-factor:1',
  '--cfg=network/TCP-gamma:0',
  '--cfg=network/weight-S:0',
  '--cfg=network/crosstraffic:0',
  '--cfg=maxmin/precision:1e-12',
  '--cfg=surf/precision:1e-12',
  '--log=root.thres:warning',
];

let binary: string | null = null;
let why = '';
let dir = '';

before(() => {
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'simgrid'], { encoding: 'utf8' });
  if (flags.error || flags.status !== 0) {
    why = 'SimGrid is not installed (pkg-config simgrid fails): apt-get install libsimgrid-dev, or run scripts/ci-install-simgrid.sh';
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'simgrid-oracle-'));
  const out = join(dir, 'simgrid-flows');
  const built = spawnSync('g++', ['-O1', '-std=c++17', '-o', out, SOURCE, ...flags.stdout.trim().split(/\s+/)], { encoding: 'utf8' });
  if (built.error || built.status !== 0) {
    why = `g++ could not build ${SOURCE}: ${built.error?.message ?? built.stderr}`;
    return;
  }
  binary = out;
});

/** SimGrid's end times (s) of transfers of `bytes` starting at `startsS` over one link of `c` bytes/s from src to dst. */
function simgrid(mode: 'flows' | 'vms', c: number, transfers: { startS: number; bytes: number }[], cfg = CM02_MAX_MIN): number[] {
  const platform = join(dir, `link-${c}.xml`);
  writeFileSync(
    platform,
    `<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <zone id="world" routing="Full">
    <host id="src" speed="1Gf"/>
    <host id="dst" speed="1Gf"/>
    <link id="nic" bandwidth="${c}Bps" latency="0s"/>
    <route src="src" dst="dst"><link_ctn id="nic"/></route>
  </zone>
</platform>
`,
  );
  const r = spawnSync(binary!, [mode, platform, ...transfers.map((t) => `${t.startS}:${t.bytes}`), ...cfg], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => Number(line.split(' ')[2]));
}

/** The fleet's ends (s) for idle guests of those sizes from a to b, NICs of `c` bytes/s. */
function ours(c: number, transfers: { startS: number; bytes: number }[]): number[] {
  const r = simulateFleet(
    fleet(
      c,
      transfers.map((t, i) => ({ name: `vm${i}`, scenario: idle(t.bytes), start: t.startS })),
    ),
  );
  assert.ok(r.converged);
  return r.runs.map((v) => v.startS + v.result!.totalTimeMs / 1000);
}

const C = 250e6;
const CASES: { name: string; transfers: { startS: number; bytes: number }[] }[] = [
  {
    name: 'two together (4 and 2 GiB)',
    transfers: [
      { startS: 0, bytes: 4 * GiB },
      { startS: 0, bytes: 2 * GiB },
    ],
  },
  { name: 'four together (1, 2, 3 and 4 GiB)', transfers: [1, 2, 3, 4].map((g) => ({ startS: 0, bytes: g * GiB })) },
  {
    name: 'two staggered (4 GiB at 0 s and at 10 s)',
    transfers: [
      { startS: 0, bytes: 4 * GiB },
      { startS: 10, bytes: 4 * GiB },
    ],
  },
  { name: 'four staggered (2 GiB at 0, 3, 6 and 9 s)', transfers: [0, 3, 6, 9].map((s) => ({ startS: s, bytes: 2 * GiB })) },
  {
    name: 'four staggered, mixed sizes and an idle gap (1 GiB at 0 s, 3 GiB at 2 s, 2 GiB at 30 s, 1 GiB at 31 s)',
    transfers: [
      { startS: 0, bytes: GiB },
      { startS: 2, bytes: 3 * GiB },
      { startS: 30, bytes: 2 * GiB },
      { startS: 31, bytes: GiB },
    ],
  },
];

describe('SimGrid as the oracle of link sharing', () => {
  for (const mode of ['flows', 'vms'] as const)
    for (const { name, transfers } of CASES)
      test(`${mode === 'vms' ? 'VM live migrations (sg_vm_migrate)' : 'flows'}: ${name} end when SimGrid says`, (t) => {
        if (binary === null) {
          assert.ok(process.env.CI !== 'true', `in CI SimGrid must run: ${why}`);
          t.skip(why);
          return;
        }
        const expected = simgrid(mode, C, transfers);
        const got = ours(C, transfers);
        assert.equal(got.length, expected.length);
        got.forEach((end, i) => assertClose(end, expected[i]!, 1e-9, `vm${i}`));
      });

  test("SimGrid's default model (LV08) is not max-min alone: its bandwidth factor 0.97 and the cross traffic it adds to the route back (0.05 of the flow, here the same link) stretch a lone transfer to R / (c x 0.97 / 1.05), which is why the comparison switches both off", (t) => {
    if (binary === null) {
      assert.ok(process.env.CI !== 'true', `in CI SimGrid must run: ${why}`);
      t.skip(why);
      return;
    }
    const [end] = simgrid('flows', C, [{ startS: 0, bytes: 4 * GiB }], ['--log=root.thres:warning']);
    // simgrid/simgrid src/kernel/resource/models/network_cm02.cpp: bandwidth-factor 0.97 for LV08, expand(..., .05) for cross traffic
    assertClose(end!, (4 * GiB) / ((C * 0.97) / 1.05), 1e-9, 'LV08');
    assertClose(ours(C, [{ startS: 0, bytes: 4 * GiB }])[0]!, (4 * GiB) / C, 1e-12, 'ours');
  });
});
