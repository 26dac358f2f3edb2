import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectFormat, importFile, importText } from '../../src/import/import-file.js';
import { phasesFromSyncSamples, traceCsv } from '../../src/import/trace-rows.js';
import { InputError } from '../../src/common/errors.js';
import { parseTrace } from '../../src/scenario/trace-file.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/import/', import.meta.url));
const MIB = 2 ** 20;
const PAGE = 4096;

function migsweep(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** [t s, bytes/s] of each phase. */
function phases(file: string) {
  return importFile(join(FIXTURES, file)).rows.map((r) => [r.tS, r.bytesPerSec]);
}

/** The InputError a conversion throws, as the CLI prints it. */
function problem(text: string, format: Parameters<typeof importText>[2] = 'auto'): string {
  try {
    importText('in.log', text, format);
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.message;
  }
  assert.fail('expected an InputError');
}

describe('migsweep import: each format converts to the phases worked out by hand', () => {
  test('guestperf report: a rate plays from the sample before the one that shows it; the setup sync and completion are dropped', () => {
    // progress_history (duration ms, iterations, dirty_rate_pps): (52, 1, 0) before any measurement,
    // (2150, 2, 24576) (2400, 3, 24576) (3600, 4, 30720) (4700, 5, 12288), then (4950, 6, 0) completed.
    // Rates play from the previous sample: 24576 from 0 and from 2.15 s (merged), 30720 from 2.4 s, 12288 from 3.6 s;
    // page size = normal_bytes / normal_pages = 4096.
    assert.deepEqual(phases('guestperf-report.json'), [
      [0, 24576 * PAGE], // 96 MiB/s
      [2.4, 30720 * PAGE], // 120 MiB/s
      [3.6, 12288 * PAGE], // 48 MiB/s
    ]);
  });

  test('query-migrate log: total-time in ms, one rate per dirty-sync-count, the greeting, events and other replies skipped', () => {
    // measured replies (total-time, sync, pages/s): (3015, 2, 15360) (4020, 2, 15360) (5025, 3, 20480) (6030, 4, 20480) (7035, 5, 5120)
    // -> 15360 from 0, 20480 from 3.015 s and 5.025 s (merged), 5120 from 6.03 s
    assert.deepEqual(phases('qmp-query-migrate.jsonl'), [
      [0, 15360 * PAGE], // 60 MiB/s
      [3.015, 20480 * PAGE], // 80 MiB/s
      [6.03, 5120 * PAGE], // 20 MiB/s
    ]);
  });

  test('query-dirty-rate log: MiB/s x 2^20, times from start-time, a measurement queried twice counted once, calc-time in ms accepted', () => {
    // measured: 96 MiB/s at start-time 1714989601 (twice), 150 at ...611, 32 at ...621 (calc-time 500 ms)
    assert.deepEqual(phases('query-dirty-rate.jsonl'), [
      [0, 96 * MIB],
      [10, 150 * MIB],
      [20, 32 * MIB],
    ]);
  });

  test('virsh domjobinfo blocks: Time elapsed ms, Dirty rate pages/s x Page size, Iteration as the sync count', () => {
    // blocks (ms, pages/s, iteration): (2012, 0, 1) (4018, 25600, 2) (6025, 25600, 2) (8031, 8192, 3) (10040, 38400, 4), then Completed
    assert.deepEqual(phases('virsh-domjobinfo.txt'), [
      [0, 25600 * PAGE], // 100 MiB/s
      [4.018, 8192 * PAGE], // 32 MiB/s
      [8.031, 38400 * PAGE], // 150 MiB/s
    ]);
  });

  test("a page size other than 4 KiB multiplies as the source states it (query-migrate's ram.page-size)", () => {
    const reply = (t: number, sync: number, pps: number) =>
      JSON.stringify({ return: { status: 'active', 'total-time': t, ram: { 'dirty-sync-count': sync, 'dirty-pages-rate': pps, 'page-size': 65536 } } });
    const r = importText('arm64.log', [reply(1500, 2, 100), reply(2600, 3, 300)].join('\n'));
    assert.equal(r.pageBytes, 65536);
    assert.deepEqual(
      r.rows.map((x) => [x.tS, x.bytesPerSec]),
      [
        [0, 100 * 65536],
        [1.5, 300 * 65536],
      ],
    );
  });

  test('without total-time, the time stamps of a libvirt log give the times, counted from the first query-migrate reply', () => {
    const recv = (stamp: string, ret: string) =>
      `${stamp}: 4242: info : qemuMonitorJSONIOProcessLine:208 : QEMU_MONITOR_RECV_REPLY: mon=0x7f3c reply={"return": ${ret}, "id": "libvirt-7"}`;
    const active = (sync: number, pps: number) => `{"status": "active", "ram": {"dirty-sync-count": ${sync}, "dirty-pages-rate": ${pps}, "page-size": 4096}}`;
    const r = importText(
      'libvirtd.log',
      [
        recv('2024-05-06 10:00:00.000+0000', '{"status": "setup"}'),
        recv('2024-05-06 10:00:01.250+0000', active(2, 1000)),
        recv('2024-05-06 10:00:02.750+0000', active(3, 2000)),
        recv('2024-05-06 10:00:04.000+0000', active(4, 500)),
      ].join('\n'),
    );
    assert.equal(r.format, 'qmp');
    // seen at 1.25, 2.75 and 4 s after the setup reply: 1000 from 0, 2000 from 1.25 s, 500 from 2.75 s
    assert.deepEqual(
      r.rows.map((x) => [x.tS, x.bytesPerSec]),
      [
        [0, 1000 * PAGE],
        [1.25, 2000 * PAGE],
        [2.75, 500 * PAGE],
      ],
    );
  });
});

describe('phases from per-sync samples', () => {
  test('two syncs seen by one poll: the period between them has no length and the later rate plays', () => {
    const rows = phasesFromSyncSamples(
      [
        { tS: 0, pagesPerSec: 10, sync: 2 },
        { tS: 0, pagesPerSec: 20, sync: 3 },
        { tS: 1, pagesPerSec: 30, sync: 4 },
      ],
      1,
    );
    // 10 from 0, 20 from 0 (replaces it), 30 from 0 s (the sample before it): all at 0, the last wins
    assert.deepEqual(rows, [{ tS: 0, bytesPerSec: 30 }]);
  });

  test('without a sync count a new period shows as a changed rate', () => {
    const rows = phasesFromSyncSamples(
      [
        { tS: 2, pagesPerSec: 10 },
        { tS: 3, pagesPerSec: 10 },
        { tS: 4, pagesPerSec: 40 },
        { tS: 6, pagesPerSec: 5 },
      ],
      4096,
    );
    assert.deepEqual(rows, [
      { tS: 0, bytesPerSec: 10 * 4096 },
      { tS: 2, bytesPerSec: 40 * 4096 },
      { tS: 4, bytesPerSec: 5 * 4096 },
    ]);
  });
});

describe('migsweep import: detection', () => {
  test('each fixture is recognised as its format', () => {
    const cases: [string, string][] = [
      ['guestperf-report.json', 'guestperf'],
      ['qmp-query-migrate.jsonl', 'qmp'],
      ['query-dirty-rate.jsonl', 'dirty-rate'],
      ['virsh-domjobinfo.txt', 'domjobinfo'],
    ];
    for (const [file, format] of cases) assert.equal(detectFormat(readFileSync(join(FIXTURES, file), 'utf8')), format, file);
  });

  test('a text in none of the formats is refused, naming the formats and --format', () => {
    assert.equal(detectFormat('t,dirtyRate\n0,10MiB/s\n'), undefined);
    assert.match(problem('t,dirtyRate\n0,10MiB/s\n'), /^in\.log:1:1: not a format migsweep import knows: expected a guestperf JSON report .* or name it with --format$/);
  });

  test('--format overrides detection: domjobinfo text read as QMP fails at its first line', () => {
    const text = readFileSync(join(FIXTURES, 'virsh-domjobinfo.txt'), 'utf8');
    assert.match(problem(text, 'qmp'), /^in\.log:1:1: expected one QMP reply per line .*, found 'Job type: +Unbounded'$/);
  });
});

describe('migsweep import: malformed input names the line and what was expected', () => {
  const reply = (o: object) => JSON.stringify({ return: o });
  const active = (ram: object, extra: object = {}) => reply({ status: 'active', 'total-time': 2000, ram, ...extra });

  test('query-migrate: broken JSON, a rate that is not a number, a missing sync count, no time at all', () => {
    const ok = active({ 'dirty-sync-count': 2, 'dirty-pages-rate': 100 });
    assert.match(problem(`${ok}\n\n{"return": {"status": "active", "ram": {`), /^in\.log:3:1: expected one QMP reply per line .*; the JSON object that starts here does not end$/);
    assert.match(
      problem(`${ok}\nvirsh: error: failed to connect to the hypervisor`),
      /^in\.log:2:1: expected one QMP reply per line .*, found 'virsh: error: failed to connect to the hypervisor'$/,
    );
    assert.match(problem(`${ok}\n{"return": {"status": "active", "ram": }}`), /^in\.log:2:1: expected one QMP reply per line .*; the JSON does not parse/);
    assert.match(
      problem(`${ok}\n${active({ 'dirty-sync-count': 3, 'dirty-pages-rate': '12k' })}`),
      /^in\.log:2:1: expected ram\.dirty-pages-rate in pages\/s \(a number >= 0\), found "12k"$/,
    );
    assert.match(problem(`# header\n${active({ 'dirty-pages-rate': 5 })}`), /^in\.log:2:1: expected ram\.dirty-sync-count \(a number >= 0\), found nothing$/);
    assert.match(
      problem(reply({ status: 'active', ram: { 'dirty-sync-count': 2, 'dirty-pages-rate': 5 } })),
      /^in\.log:1:1: expected total-time \(ms\) in the reply, or a time stamp before it/,
    );
    assert.match(
      problem(`${active({ 'dirty-sync-count': 2, 'dirty-pages-rate': 5, 'page-size': 4096 })}\n${active({ 'dirty-sync-count': 3, 'dirty-pages-rate': 5, 'page-size': 65536 })}`),
      /^in\.log:2:1: ram\.page-size changed from 4096 to 65536: expected the replies of one migration$/,
    );
  });

  test('query-migrate: replies that never reach a measured rate are refused', () => {
    const text = [reply({ status: 'setup' }), active({ 'dirty-sync-count': 1, 'dirty-pages-rate': 0 })].join('\n');
    assert.match(
      problem(text, 'qmp'),
      /^in\.log:2:1: 1 query-migrate replies, none with a measured dirty rate: expected replies while the migration is active, after its second sync/,
    );
  });

  test('query-dirty-rate: a measured reply without its rate, a bad time unit, measurements out of order', () => {
    const m = (o: object) => reply({ status: 'measured', 'start-time': 100, 'calc-time': 1, 'dirty-rate': 10, ...o });
    assert.match(problem(m({ 'dirty-rate': undefined })), /^in\.log:1:1: expected dirty-rate in MiB\/s \(a number >= 0\) in a measured reply, found nothing$/);
    assert.match(problem(m({ 'calc-time-unit': 'minute' }), 'dirty-rate'), /^in\.log:1:1: expected calc-time .* in calc-time-unit second or millisecond, found 1 "minute"$/);
    assert.match(problem(`${m({})}\n${m({ 'start-time': 90 })}`), /^in\.log:2:1: start-time 90 s is before the previous measurement's 100 s/);
  });

  test('domjobinfo: a line without a label, a rate in the wrong unit, a rate without its time', () => {
    assert.match(
      problem('Job type:         Unbounded\nTime elapsed:     2000 ms\nsomething else\n', 'domjobinfo'),
      /^in\.log:3:1: expected 'Label: value' lines of virsh domjobinfo/,
    );
    assert.match(
      problem('Job type:         Unbounded\nTime elapsed:     2000 ms\nDirty rate:       12 MiB/s\n'),
      /^in\.log:3:1: Dirty rate: expected a number >= 0 in pages\/s, found '12 MiB\/s'$/,
    );
    assert.match(problem('Job type:         Unbounded\nTime elapsed:     2s ms\n'), /^in\.log:2:1: Time elapsed: expected a number >= 0 in ms, found '2s ms'$/);
    assert.match(
      problem('Job type:         Unbounded\nDirty rate:       12 pages/s\nIteration:        2\n'),
      /^in\.log:1:1: a block with 'Dirty rate' but no 'Time elapsed: <n> ms'/,
    );
  });

  test('guestperf: the JSON path and its line when a record lacks its rate', () => {
    const report = `{
  "progress_history": [
    { "status": "active", "duration": 2100, "ram": { "iterations": 2, "dirty_rate_pps": 100 } },
    { "status": "active", "duration": 3300, "ram": { "iterations": 3, "dirty_rate_pps": "n/a" } }
  ]
}`;
    assert.match(problem(report), /^in\.log:4:\d+: progress_history\[1\]\.ram\.dirty_rate_pps: expected the dirty page rate in pages\/s/);
    assert.match(problem('{ "progress_history": {} }', 'guestperf'), /^in\.log:1:\d+: progress_history: expected a guestperf report/);
  });
});

describe('migsweep import (CLI)', () => {
  test('writes the trace the engine reads back, prints a scenario that runs, and its mean rate is the trace worked by hand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migsweep-import-'));
    const out = join(dir, 'vm17.trace.csv');
    const r = migsweep('import', join(FIXTURES, 'qmp-query-migrate.jsonl'), '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^format: +qmp \(detected\)$/m);
    assert.match(r.out, /trace: .*vm17\.trace\.csv: 3 phases over 6\.03 s, 20 MiB\/s to 80 MiB\/s/);
    // the engine's reader, at the page size the scenario will use
    const read = parseTrace(out, readFileSync(out, 'utf8'), PAGE);
    assert.ok(read.ok, read.ok ? '' : read.problem);
    assert.deepEqual(read.trace.timesS, [0, 3.015, 6.03]);
    assert.deepEqual(read.trace.ratesBytesPerSec, [60 * MIB, 80 * MIB, 20 * MIB]);
    // the printed snippet, saved beside the trace, runs
    const snippet = r.out
      .split('\n')
      .filter((l) => /^(vm|workload|link|policy|horizon): /.test(l))
      .join('\n');
    assert.match(snippet, /workload: \{ kind: trace, file: vm17\.trace\.csv, pattern: uniform \}/);
    const scenario = join(dir, 'vm17.yaml');
    writeFileSync(scenario, `${snippet}\n`);
    assert.match(r.out, new RegExp(`then: +npx migsweep run ${scenario.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const run = migsweep('run', scenario, '--json');
    assert.equal(run.code, 0, run.err);
    const o = JSON.parse(run.out);
    // the column is the trace's mean over the 1 h horizon: (60 x 3.015 + 80 x 3.015 + 20 x (3600 - 6.03)) / 3600 MiB/s
    assert.ok(Math.abs(o.dirtyRateBytesPerSec - ((60 * 3.015 + 80 * 3.015 + 20 * (3600 - 6.03)) / 3600) * MIB) < 1e-3, String(o.dirtyRateBytesPerSec));
    // 8 GiB at 10 Gbit/s against at most 80 MiB/s of writes: the migration converges, having sent at least the RAM's non-zero pages once
    assert.equal(o.outcome, 'completed');
    assert.ok(o.transferredBytes >= o.ramBytes * (1 - o.zeroShare), `${o.transferredBytes}`);
  });

  test('bad input exits 2 with the file and line, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migsweep-import-'));
    const bad = join(dir, 'bad.log');
    writeFileSync(bad, '{"return": {"status": "active", "total-time": 1000, "ram": {"dirty-sync-count": 2, "dirty-pages-rate": 10}}}\nnot json\n');
    const out = join(dir, 'bad.trace.csv');
    const r = migsweep('import', bad, '--out', out);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.log:2:1: expected one QMP reply per line/);
    assert.doesNotMatch(r.err, /at .*\.js/);
    assert.throws(() => readFileSync(out));
    const f = migsweep('import', bad, '--format', 'qpm');
    assert.equal(f.code, 2);
    assert.match(f.err, /--format: unknown format 'qpm'; did you mean 'qmp'\?/);
    assert.equal(migsweep('import', join(dir, 'missing.log')).code, 2);
  });
});

test('the CSV writer: comments first, times in s to the ms, rates in whole bytes/s', () => {
  assert.equal(
    traceCsv(
      [
        { tS: 0, bytesPerSec: 1.5 * MIB },
        { tS: 2.0004, bytesPerSec: 7 },
      ],
      ['from x'],
    ),
    '# from x\nt,dirtyRate\n0,1572864\n2,7\n',
  );
});

test('a capture throttled by auto-converge says so (the rates are the slowed guest)', () => {
  const reply = (t: number, sync: number, pps: number, throttle?: number) =>
    JSON.stringify({
      return: {
        status: 'active',
        'total-time': t,
        ...(throttle === undefined ? {} : { 'cpu-throttle-percentage': throttle }),
        ram: { 'dirty-sync-count': sync, 'dirty-pages-rate': pps },
      },
    });
  const plain = importText('a.log', [reply(1500, 2, 100), reply(2600, 3, 300)].join('\n'));
  assert.ok(!plain.notes.some((n) => /throttled/.test(n)));
  const throttled = importText('a.log', [reply(1500, 2, 100), reply(2600, 3, 300, 20), reply(3700, 4, 200, 30)].join('\n'));
  assert.ok(
    throttled.notes.includes("auto-converge throttled the guest's vCPUs by up to 30 % during this capture: the later rates are the throttled guest's, not its own"),
    throttled.notes.join('\n'),
  );
});

test("domjobinfo's Auto converge throttle line is read as the same warning", () => {
  const block = (ms: number, pps: number, it: number, throttle: string) =>
    `Job type:         Unbounded\nTime elapsed:     ${ms}         ms\nDirty rate:       ${pps}         pages/s\nIteration:        ${it}\n${throttle}`;
  const r = importText('a.txt', [block(2000, 100, 2, ''), block(4000, 50, 3, 'Auto converge throttle: 20           %\n')].join('\n'));
  assert.deepEqual(
    r.rows.map((x) => [x.tS, x.bytesPerSec]),
    [
      [0, 100 * PAGE],
      [2, 50 * PAGE],
    ],
  );
  assert.ok(
    r.notes.some((n) => n.startsWith("auto-converge throttled the guest's vCPUs by up to 20 %")),
    r.notes.join('\n'),
  );
});

test('--out into a folder that does not exist yet creates it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migsweep-import-'));
  const out = join(dir, 'vm17', 'jobinfo.trace.csv');
  const r = migsweep('import', join(FIXTURES, 'virsh-domjobinfo.txt'), '--out', out, '--format', 'domjobinfo');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^format: +domjobinfo \(--format\)$/m);
  assert.deepEqual(
    readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#')),
    ['t,dirtyRate', '0,104857600', '4.018,33554432', '8.031,157286400'],
  );
});

test('replies printed over several lines (virsh qemu-monitor-command --pretty) read as one each', () => {
  const pretty = (t: number, sync: number, pps: number) =>
    JSON.stringify({ return: { status: 'active', 'total-time': t, ram: { 'dirty-sync-count': sync, 'dirty-pages-rate': pps, 'page-size': 4096 } }, id: 'libvirt-{7}' }, null, 2);
  const r = importText('pretty.log', [pretty(1500, 2, 100), pretty(2600, 3, 300), pretty(3700, 4, 200)].join('\n'));
  assert.equal(r.format, 'qmp');
  assert.deepEqual(
    r.rows.map((x) => [x.tS, x.bytesPerSec]),
    [
      [0, 100 * PAGE],
      [1.5, 300 * PAGE],
      [2.6, 200 * PAGE],
    ],
  );
  // a broken one is named by the line it starts on: each reply here takes 12 lines
  const broken = [pretty(1500, 2, 100), pretty(2600, 3, 300).replace('"dirty-sync-count": 3', '"dirty-sync-count": 3,,')].join('\n');
  assert.equal(pretty(1, 2, 3).split('\n').length, 12);
  assert.match(problem(broken), /^in\.log:13:1: expected one QMP reply per line .*; the JSON does not parse/);
});

test('two migrations in one file, or lines out of order, are refused at the line that goes back', () => {
  const reply = (t: number, sync: number, pps: number) =>
    JSON.stringify({ return: { status: 'active', 'total-time': t, ram: { 'dirty-sync-count': sync, 'dirty-pages-rate': pps } } });
  const text = [reply(1500, 2, 100), reply(2600, 3, 300), reply(1400, 2, 50)].join('\n');
  assert.match(
    problem(text),
    /^in\.log:3:1: this reply \(1\.4 s, sync 2\) comes before the previous one \(2\.6 s, sync 3\): expected the replies of one migration, in the order they were taken$/,
  );
  const block = (ms: number, pps: number, it: number) =>
    `Job type:         Unbounded\nTime elapsed:     ${ms}         ms\nDirty rate:       ${pps}         pages/s\nIteration:        ${it}\n`;
  assert.match(problem([block(4000, 100, 2), block(3000, 100, 3)].join('\n')), /^in\.log:6:1: this block \(3 s, sync 3\) comes before the previous one \(4 s, sync 2\)/);
});
