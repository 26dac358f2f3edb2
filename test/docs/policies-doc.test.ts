import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { POLICIES } from '../../src/engine/policies/index.js';
import type { ParamSpec } from '../../src/engine/types.js';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/policies.md', import.meta.url)), 'utf8');
const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** The text of the `### <kind>` section, up to the next heading of level 2 or 3. */
function section(kind: string): string | undefined {
  const start = DOC.indexOf(`\n### ${kind}\n`);
  if (start < 0) return undefined;
  const rest = DOC.slice(start + 1);
  const end = rest.slice(1).search(/\n#{2,3} /);
  return end < 0 ? rest : rest.slice(0, end + 1);
}

/** How the page writes a default: 9 us, 30 ms, 60 s, 32 MiB/s, 10, `abort`, false. */
function written(spec: ParamSpec): string | RegExp {
  const v = spec.default;
  if (v === undefined) return /^required/;
  if (v === null) return /^(none|unset|page size)/;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `\`${v}\``;
  if (spec.kind === 'time') {
    const round = (x: number) => Number(x.toPrecision(12));
    if (v > 0 && v < 1e-3) return `${round(v * 1e6)} us`;
    return v < 1 ? `${round(v * 1000)} ms` : `${v} s`;
  }
  if (spec.kind === 'rate' && v > 0) return v % GiB === 0 ? `${v / GiB} GiB/s` : `${v / MiB} MiB/s`;
  return String(v);
}

describe('docs/policies.md', () => {
  test('every policy of the registry has a section, and every section is a policy of the registry', () => {
    const documented = [...DOC.matchAll(/^### (\S+)$/gm)].map((m) => m[1] ?? '');
    assert.deepEqual([...documented].sort(), Object.keys(POLICIES).sort());
  });

  for (const [kind, module] of Object.entries(POLICIES)) {
    test(`${kind}: a row per parameter, with the default the code has`, () => {
      const text = section(kind);
      assert.ok(text !== undefined, `no section ### ${kind}`);
      for (const [name, spec] of Object.entries(module.params)) {
        const row = text.match(new RegExp(`^\\| \`${name}\` \\| ([^|]*) \\|`, 'm'));
        assert.ok(row, `${kind}: no row for ${name}`);
        const cell = (row[1] ?? '').trim();
        const want = written(spec);
        if (typeof want === 'string') assert.ok(cell === want || cell.startsWith(`${want} `), `${kind}.${name}: the page says '${cell}', the code's default is ${want}`);
        else assert.match(cell, want, `${kind}.${name}`);
      }
    });
  }
});
