/** `npm run bench` arguments (bench/index.ts, node:util parseArgs): a mistake exits 2 saying what is wrong and how to call it, before any measurement. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from '../../src/sweep/output.js';

const bench = (...args: string[]) => spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist', 'bench', 'index.js'), ...args], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
const USAGE = 'usage: npm run bench -- [module-filter...] [--quick] [--ten-million] [--out DIR]';

test('npm run bench: an unknown option, --out without a folder, a filter that matches no module: exit 2 with the reason', () => {
  const unknown = bench('--qiuck');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^bench: Unknown option '--qiuck'/);
  assert.ok(unknown.stderr.includes(USAGE));
  const out = bench('--out');
  assert.equal(out.status, 2);
  assert.match(out.stderr, /^bench: Option '--out <value>' argument missing/);
  const none = bench('no-such-module');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^bench: no module matches no-such-module in /);
  const help = bench('--help');
  assert.equal(help.status, 0);
  assert.equal(help.stdout, `${USAGE}\n`);
});
