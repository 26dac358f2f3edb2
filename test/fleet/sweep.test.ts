import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { simulateFleet } from '../../src/fleet/simulate-fleet.js';
import { runFleetSweep } from '../../src/fleet/sweep-session.js';
import { readFleetSweep } from '../../src/fleet/sweep-spec.js';
import { validateFleet } from '../../src/fleet/validate.js';
import { InputError } from '../../src/common/errors.js';
import { SMALL_DRAIN as SWEEP, sweepFile } from './helpers.js';
import { parse as parseYaml } from 'yaml';

async function run(file: string, out: string, opts: { workers: number; resume?: boolean; batchSize?: number }) {
  return runFleetSweep({ file, out, ...opts, stdout: new PassThrough(), stderr: new PassThrough() });
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const rows = (dir: string, name: string) => parse<Record<string, string>>(read(dir, name), { columns: true });

describe('sweeps over fleets', () => {
  test('one row per fleet (3 x 2 x 2 = 12) and one per VM migration (48); each fleet row is simulateFleet on that fleet, each migration row its VmRun', async () => {
    const { dir, file } = sweepFile();
    const out = join(dir, 'one');
    await run(file, out, { workers: 1 });
    const fleets = rows(out, 'runs.csv');
    const migrations = rows(out, 'migrations.csv');
    assert.equal(fleets.length, 12);
    assert.equal(migrations.length, 48);
    // fleet 7: the first axis slowest: maxOutbound index 1 (2), order index 1 (smallest-ram), nic index 1 (10Gbit/s)
    const f7 = fleets[7]!;
    assert.deepEqual(
      [f7.fleet, f7['orchestrator.maxOutboundPerHost'], f7['orchestrator.order'], f7['hosts.src.nic'], f7['hosts.dst.nic']],
      ['7', '2', 'smallest-ram', '10Gbit/s', '10Gbit/s'],
    );
    // the same fleet written by hand
    const s = readFleetSweep(parseYaml(SWEEP) as Record<string, unknown>, file);
    const base = structuredClone(s.base) as { hosts: Record<string, { nic: string }>; orchestrator: Record<string, unknown> };
    base.hosts.src!.nic = '10Gbit/s';
    base.hosts.dst!.nic = '10Gbit/s';
    base.orchestrator.maxOutboundPerHost = 2;
    base.orchestrator.order = 'smallest-ram';
    const r = simulateFleet(validateFleet(base, file));
    const ends = r.runs.map((v) => v.startS + v.result!.totalTimeMs / 1000);
    assert.equal(Number(f7.makespanMs), Math.max(...ends) * 1000);
    const downs = r.runs.map((v) => v.result!.downtimeMs);
    assert.equal(Number(f7.downtimeMsMax), Math.max(...downs));
    assert.equal(Number(f7.overSlo), downs.filter((d) => d > 100).length);
    assert.equal(Number(f7.completed), 4);
    assert.equal(
      Number(f7.transferredBytes),
      r.runs.reduce((n, v) => n + v.result!.transferredBytes, 0),
    );
    const mine = migrations.filter((m) => m.fleet === '7');
    assert.deepEqual(
      mine.map((m) => m.name),
      ['big', 'small-1', 'small-2', 'small-3'],
    );
    mine.forEach((m, k) => {
      const v = r.runs[k]!;
      assert.equal(Number(m.startMs), v.startS * 1000);
      assert.equal(Number(m.totalTimeMs), v.result!.totalTimeMs);
      assert.equal(Number(m.downtimeMs), v.result!.downtimeMs);
      assert.equal(m.overSlo, String(v.result!.downtimeMs > 100));
      assert.equal(m['orchestrator.order'], 'smallest-ram');
    });
    // smallest RAM first with 2 out at once: two of the 2 GiB guests start at 0, the 4 GiB one last
    assert.deepEqual(
      mine.map((m) => Number(m.startMs) === 0),
      [false, true, true, false],
    );
  });

  test('the files are byte-identical for 1 and 2 workers, and after a resume of an interrupted run', async () => {
    const { dir, file } = sweepFile();
    await run(file, join(dir, 'w1'), { workers: 1, batchSize: 1 });
    await run(file, join(dir, 'w2'), { workers: 2, batchSize: 1 });
    for (const name of ['runs.csv', 'migrations.csv']) assert.equal(read(join(dir, 'w2'), name), read(join(dir, 'w1'), name), name);
    // interrupted after 5 fleets, with migrations.csv one fleet ahead and a half-written line
    const cut = join(dir, 'w2');
    const runsLines = read(cut, 'runs.csv').split('\n');
    writeFileSync(join(cut, 'runs.csv'), `${runsLines.slice(0, 6).join('\n')}\n`);
    const migLines = read(cut, 'migrations.csv').split('\n');
    writeFileSync(join(cut, 'migrations.csv'), `${migLines.slice(0, 1 + 6 * 4).join('\n')}\n0,1,fi`);
    const manifest = JSON.parse(read(cut, 'manifest.json')) as { complete: boolean };
    manifest.complete = false;
    writeFileSync(join(cut, 'manifest.json'), JSON.stringify(manifest));
    await run(file, cut, { workers: 2, resume: true });
    for (const name of ['runs.csv', 'migrations.csv']) assert.equal(read(cut, name), read(join(dir, 'w1'), name), `${name} after the resume`);
    assert.equal((JSON.parse(read(cut, 'manifest.json')) as { complete: boolean }).complete, true);
  });

  test('bad input: a value an axis gives a fleet, an unknown key, an SLO that is not a duration', () => {
    const { file } = sweepFile();
    const bad = (text: string, expect: RegExp) => {
      assert.throws(
        () => readFleetSweep(parseYaml(text) as Record<string, unknown>, file),
        (e: unknown) => e instanceof InputError && expect.test(e.message),
      );
    };
    bad(SWEEP.replace('[fifo, smallest-ram]', '[fifo, smalest-ram]'), /base\.orchestrator\.order.*smallest-ram.*orchestrator\.order="smalest-ram"/s);
    bad(SWEEP.replace('slo:', 'slos:'), /unknown key 'slos'.*slo/);
    bad(SWEEP.replace('downtime: 100ms', 'downtime: fast'), /slo\.downtime/);
    bad(SWEEP.replace('hosts.dst.nic: [1Gbit/s, 10Gbit/s]', 'hosts.dst.nic: [1Gbit/s]'), /expected 2 values/);
  });
});
