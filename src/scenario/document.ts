import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, type Node, type Document } from 'yaml';
import { describeFound, InputError } from '../common/errors.js';
import type { PathSegment } from './path.js';

/** A parsed input file (YAML or JSON) that can say where a path is in its text. */
export interface SourceDocument {
  file: string;
  data: unknown;
  /** 1-based line and column of the value at `path`, or of its nearest existing parent */
  locate(path: readonly PathSegment[]): { line: number; col: number } | undefined;
}

/** The text of an input file; a missing file or a folder is an InputError naming it. */
export function readSourceText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a YAML or JSON file' : String((e as Error).message);
    throw new InputError(file, [{ path: '', message: why }]);
  }
}

/** Read and parse a YAML or JSON file; a missing file or a syntax error is an InputError. */
export function readDocument(file: string): SourceDocument {
  return parseText(file, readSourceText(file));
}

/**
 * Parse a file's text that must be a mapping (a sweep or tune file): the
 * document, or an InputError at line 1 saying what was `expected` and found.
 */
export function parseMapping(file: string, text: string, expected: string): SourceDocument & { data: Record<string, unknown> } {
  const doc = parseText(file, text);
  const data = doc.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new InputError(file, [{ path: '', message: `expected ${expected}, found ${describeFound(data)}`, line: 1, col: 1 }]);
  return doc as SourceDocument & { data: Record<string, unknown> };
}

export function parseText(file: string, text: string): SourceDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      file,
      doc.errors.slice(0, 5).map((err) => {
        const pos = lines.linePos(err.pos[0]);
        return { path: '', message: `not valid YAML: ${err.message.split('\n')[0]}`, line: pos.line, col: pos.col };
      }),
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  return { file, data, locate: (path) => locate(doc, lines, path) };
}

function locate(doc: Document, lines: LineCounter, path: readonly PathSegment[]) {
  let node: unknown = doc.contents;
  let found: Node | null = (node as Node) ?? null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      node = pair.value;
      found = (pair.value as Node) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (!node) break;
      found = node as Node;
    } else if (typeof seg === 'number' && seg === 0) {
      continue; // a single entry addressed as [0]
    } else break;
  }
  const start = found?.range?.[0];
  if (start === undefined) return undefined;
  return lines.linePos(start);
}
