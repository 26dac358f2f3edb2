/**
 * A sweep over fleets through the sweep's pipeline: shards and `migsweep
 * merge`, --format parquet and both, --resume of Parquet tables, and the
 * bad input of each (docs/fleets.md, "Shards, merge and Parquet").
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { mergeFleetShards } from '../../src/fleet/sweep-merge.js';
import { runFleetSweep } from '../../src/fleet/sweep-session.js';
import type { OutputFormat } from '../../src/sweep/formats.js';
import { readPart } from '../../src/sweep/parquet/read.js';
import type { Shard } from '../../src/sweep/types.js';
import { SMALL_DRAIN as SWEEP, sweepFile } from './helpers.js';

/** Rows per Parquet part in these tests: 12 fleets make 3 parts (5, 5, 2), 48 migrations 10 (the last of 3). */
const PART_ROWS = 5;
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.js');

function run(file: string, out: string, o: { workers?: number; shard?: Shard; format?: OutputFormat; resume?: boolean; batchSize?: number } = {}) {
  return runFleetSweep({ file, out, workers: 1, partRows: PART_ROWS, ...o, stdout: new PassThrough(), stderr: new PassThrough() });
}

const shard = (index: number, count: number): Shard => ({ index, count, from: '--shard' });

/** Every file of the tables in a run folder, by its path in the folder (manifest, report and charts left out). */
function tableFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of ['runs.csv', 'migrations.csv']) if (existsSync(join(dir, name))) out.set(name, readFileSync(join(dir, name)));
  for (const parts of ['runs.parquet', 'migrations.parquet'])
    if (existsSync(join(dir, parts))) for (const p of readdirSync(join(dir, parts)).sort()) out.set(`${parts}/${p}`, readFileSync(join(dir, parts, p)));
  return out;
}

function assertSameTables(actual: string, expected: string, what: string): void {
  const a = tableFiles(actual);
  const e = tableFiles(expected);
  assert.deepEqual([...a.keys()], [...e.keys()], `${what}: the same files`);
  for (const [name, bytes] of e) assert.ok(a.get(name)!.equals(bytes), `${what}: ${name} differs`);
}

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('sweeps over fleets: shards, merge and Parquet', () => {
  test('--format both writes runs.parquet/ and migrations.parquet/ parts holding the rows of runs.csv and migrations.csv, the same for 1 and 2 workers', async () => {
    const { dir, file } = sweepFile();
    await run(file, join(dir, 'w1'), { format: 'both' });
    await run(file, join(dir, 'w2'), { format: 'both', workers: 2, batchSize: 1 });
    assertSameTables(join(dir, 'w2'), join(dir, 'w1'), '2 workers against 1');
    const files = [...tableFiles(join(dir, 'w1')).keys()];
    // 12 fleets in parts of 5: 3 parts; 48 migrations: 10 parts
    assert.equal(files.filter((f) => f.startsWith('runs.parquet/')).length, 3);
    assert.equal(files.filter((f) => f.startsWith('migrations.parquet/')).length, 10);
    // the parts hold the CSV's rows, typed: the fleet and counts as integers, the swept NIC as text, the makespan as a double
    for (const [table, csv] of [
      ['runs.parquet', 'runs.csv'],
      ['migrations.parquet', 'migrations.csv'],
    ] as const) {
      const rows = parse<Record<string, string>>(readFileSync(join(dir, 'w1', csv), 'utf8'), { columns: true });
      const fromParts = readdirSync(join(dir, 'w1', table))
        .sort()
        .flatMap((p) => readPart(join(dir, 'w1', table, p)).toArray() as Record<string, unknown>[]);
      assert.equal(fromParts.length, rows.length, table);
      rows.forEach((r, i) => {
        const p = fromParts[i]!;
        assert.equal(p.fleet, BigInt(r.fleet!), `${table} row ${i} fleet`);
        assert.equal(p['hosts.src.nic'], r['hosts.src.nic']);
        assert.equal(p['orchestrator.maxOutboundPerHost'], BigInt(r['orchestrator.maxOutboundPerHost']!));
        const metric = table === 'runs.parquet' ? 'makespanMs' : 'downtimeMs';
        // an empty cell (an unfinished migration has no downtime) is null
        assert.equal(p[metric], r[metric] === '' ? null : Number(r[metric]), `${table} row ${i} ${metric}`);
      });
    }
  });

  test('shards in any format merge into the bytes of the unsharded run, both tables, in csv, parquet and both', async () => {
    const { dir, file } = sweepFile();
    const whole = join(dir, 'whole');
    await run(file, whole, { format: 'both' });
    // three shards of 12 fleets (4 each), each in another format; shard 1 with 2 workers
    const shards = [
      { out: join(dir, 's0'), shard: shard(0, 3), format: 'csv' as const },
      { out: join(dir, 's1'), shard: shard(1, 3), format: 'parquet' as const, workers: 2 },
      { out: join(dir, 's2'), shard: shard(2, 3), format: 'both' as const },
    ];
    for (const s of shards) await run(file, s.out, s);
    // shard 1 holds fleets 1, 4, 7, 10
    const s1 = readPart(join(dir, 's1', 'runs.parquet', 'part-00000.parquet'), ['fleet']).getChild('fleet')!;
    assert.deepEqual(Array.from(s1, Number), [1, 4, 7, 10]);
    for (const format of ['both', 'csv', 'parquet'] as const) {
      const out = join(dir, `merged-${format}`);
      await mergeFleetShards({ dirs: shards.map((s) => s.out).reverse(), out, format, partRows: PART_ROWS, stdout: new PassThrough(), stderr: new PassThrough() });
      const expected = join(dir, `expected-${format}`);
      await run(file, expected, { format });
      assertSameTables(out, expected, `merged as ${format}`);
      if (format === 'both') assertSameTables(out, whole, 'merged as both against the whole run');
      const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { shard: unknown; complete: boolean; merged: unknown[] };
      assert.equal(m.shard, null);
      assert.equal(m.complete, true);
      assert.equal(m.merged.length, 3);
    }
  });

  test('--resume of a Parquet run cut in the middle of a part writes the bytes of an uninterrupted run', async () => {
    const { dir, file } = sweepFile();
    const whole = join(dir, 'whole');
    await run(file, whole, { format: 'both' });
    for (const format of ['parquet', 'both'] as const) {
      const cut = join(dir, `cut-${format}`);
      await run(file, cut, { format });
      // as if killed while writing: runs.parquet has its first part (fleets 0-4), migrations.parquet
      // its first 4 parts (20 rows: fleets 0-4) and a temporary file; runs.csv holds 7 fleets
      for (const p of ['part-00001.parquet', 'part-00002.parquet']) rmSync(join(cut, 'runs.parquet', p));
      for (let n = 4; n < 10; n++) rmSync(join(cut, 'migrations.parquet', `part-0000${n}.parquet`));
      writeFileSync(join(cut, 'migrations.parquet', 'part-00004.parquet.tmp'), 'half a part');
      if (format === 'both') {
        const lines = readFileSync(join(cut, 'runs.csv'), 'utf8').split('\n');
        writeFileSync(join(cut, 'runs.csv'), `${lines.slice(0, 8).join('\n')}\n7,`);
      }
      const m = JSON.parse(readFileSync(join(cut, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(cut, 'manifest.json'), JSON.stringify({ ...m, complete: false, status: 'running' }));
      await run(file, cut, { resume: true, workers: 2 });
      const expected = join(dir, `expected-${format}`);
      await run(file, expected, { format });
      assertSameTables(cut, expected, `${format} after the resume`);
      assert.equal(existsSync(join(cut, 'migrations.parquet', 'part-00004.parquet.tmp')), false);
    }
    // a resume with another format is refused
    await assert.rejects(run(file, join(dir, 'cut-both'), { resume: true, format: 'csv' }), /started with --format both/);
  });

  test('bad input: a malformed or impossible shard of a sweep over fleets, exit 2 and nothing written', () => {
    const { dir, file } = sweepFile();
    for (const [flag, said] of [
      ['1-2', /--shard: expected K\/N such as 0\/4/],
      ['2/2', /shard 2 of 2 does not exist: shards count from 0, so the last is 1\/2/],
      ['0/0', /expected a shard count of at least 1/],
    ] as const) {
      const r = cli(['sweep', file, '--out', join(dir, 'refused'), '--shard', flag]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, said);
      assert.equal(existsSync(join(dir, 'refused')), false);
    }
  });

  test('bad input to merge: a fleet shard with a single-VM shard, shards of two sweeps, a missing shard, an unfinished shard: exit 2 naming the folder', async () => {
    const { dir, file } = sweepFile();
    const single = join(dir, 'single.yaml');
    writeFileSync(
      single,
      'name: single\nbase:\n  vm: { ram: 1GiB }\n  workload: { kind: uniform, dirtyRate: 10MiB/s }\n  link: { bandwidth: 1Gbit/s }\n  policy: { kind: precopy }\naxes:\n  workload.dirtyRate: [1MiB/s, 10MiB/s]\n',
    );
    const vm = join(dir, 'vm-0');
    assert.equal(cli(['sweep', single, '--out', vm, '--shard', '0/2', '--quiet']).status, 0);
    const f0 = join(dir, 'f0');
    const f1 = join(dir, 'f1');
    await run(file, f0, { shard: shard(0, 2) });
    await run(file, f1, { shard: shard(1, 2) });
    const mixed = cli(['merge', f0, vm, '--out', join(dir, 'm')]);
    assert.equal(mixed.status, 2, mixed.stderr);
    assert.ok(mixed.stderr.includes(join(vm, 'manifest.json')) && mixed.stderr.includes(join(f0, 'manifest.json')), mixed.stderr);
    assert.match(mixed.stderr, /is not a shard of a sweep over fleets/);
    // the other sweep: one VM bigger
    const other = sweepFile(SWEEP.replace('ram: 4GiB', 'ram: 5GiB'));
    const o1 = join(other.dir, 'o1');
    await run(other.file, o1, { shard: shard(1, 2) });
    for (const [dirs, said] of [
      [[f0, o1], /o1: is a shard of another sweep than .*f0/],
      [[f0], /shard 1\/2 missing/],
      [[f0, f0], /f0: is shard 0\/2, and so is .*f0; give each shard once/],
    ] as const) {
      const r = cli(['merge', ...dirs, '--out', join(dir, 'm')]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, said);
      assert.equal(existsSync(join(dir, 'm')), false);
    }
    const m = JSON.parse(readFileSync(join(f1, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(f1, 'manifest.json'), JSON.stringify({ ...m, complete: false, status: 'running', counts: { tasks: 6, done: 4 } }));
    const unfinished = cli(['merge', f0, f1, '--out', join(dir, 'm')]);
    assert.equal(unfinished.status, 2);
    assert.match(unfinished.stderr, /shard 1\/2 is not complete \(4\/6 fleets, running\); finish it with migsweep sweep .* --resume --shard 1\/2/);
  });
});
