import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** GitHub's anchor of a heading: its text (entities decoded), lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a markdown file's headings (outside code blocks). */
function anchors(path: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of read(path).split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (h) out.add(anchorOf(h[1] ?? ''));
  }
  return out;
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => f.endsWith(ext) && statSync(join(ROOT, f)).isFile());
}

/** Whether `target` (a repository path, maybe with #anchor) exists and has that anchor; the problem otherwise. */
function problem(target: string): string | null {
  const [path = '', anchor] = target.split('#');
  if (!existsSync(join(ROOT, path))) return `${path} does not exist`;
  if (anchor !== undefined && path.endsWith('.md') && !anchors(path).has(anchor)) return `${path} has no heading #${anchor}`;
  return null;
}

describe('documentation links', () => {
  test('anchors are computed the way GitHub does', () => {
    assert.equal(anchorOf('The run folder: `results/<name>/<run-id>/`'), 'the-run-folder-resultsnamerun-id');
    assert.equal(anchorOf('1. Switch-over inside the first pass'), '1-switch-over-inside-the-first-pass');
    assert.equal(anchorOf('qemu-2011'), 'qemu-2011');
    assert.equal(anchorOf('Output: results/tune/&lt;name&gt;/&lt;run-id&gt;/'), 'output-resultstunenamerun-id');
  });

  for (const page of ['README.md', ...filesUnder('docs', '.md')]) {
    test(`${page}: every relative link opens a file of the repository, at a heading it has`, () => {
      const bad: string[] = [];
      for (const m of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1] ?? '';
        if (/^[a-z]+:/.test(link)) continue;
        const target = link.startsWith('#') ? `${page}${link}` : normalize(join(dirname(page), link));
        const p = problem(relative('.', target));
        if (p) bad.push(`${link}: ${p}`);
      }
      assert.deepEqual(bad, []);
    });
  }

  test("every docs/ page a comment (or a policy's source) in src/, test/ or bench/ cites exists, with the heading it names", () => {
    const bad: string[] = [];
    for (const file of ['src', 'test', 'bench'].flatMap((d) => filesUnder(d, '.ts'))) {
      for (const line of read(file).split('\n')) {
        // the comment part of a line, or a policy module's `source`; not string literals in tests
        const text = /^\s*(\*|\/\*|source: )/.test(line) ? line : line.includes('//') ? line.slice(line.indexOf('//')) : '';
        for (const m of text.matchAll(/docs\/[\w-]+\.md(#[\w-]+)?/g)) {
          const p = problem(m[0]);
          if (p) bad.push(`${file}: ${m[0]}: ${p}`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });
});
