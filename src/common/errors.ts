import { closest, distance } from 'fastest-levenshtein';

/** One problem in a user's input, with where it is and what would fix it. */
export interface InputProblem {
  /** path inside the document, e.g. `policy[1].passes` ('' for the whole document) */
  path: string;
  message: string;
  /** 1-based, when the source text is known */
  line?: number;
  col?: number;
}

/**
 * Bad input: a message a user can act on, naming the file, the place in it,
 * what was expected and what was found. The CLI prints it and exits with 2.
 */
export class InputError extends Error {
  readonly file: string;
  readonly problems: InputProblem[];
  constructor(file: string, problems: InputProblem[]) {
    super(formatProblems(file, problems));
    this.name = 'InputError';
    this.file = file;
    this.problems = problems;
  }
}

export function formatProblems(file: string, problems: InputProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line !== undefined ? `${file}:${p.line}:${p.col ?? 1}` : file;
    return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
  });
  return lines.join('\n');
}

/** ", did you mean 'x'?" when a known name is close enough to be a typo, else ''. */
export function suggest(name: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const best = closest(name, known);
  const limit = Math.max(2, Math.floor(best.length / 3));
  return distance(name.toLowerCase(), best.toLowerCase()) <= limit ? `; did you mean '${best}'?` : '';
}

/** Render a path array as `policy[1].passes`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** What a value is, for a message: `found a list`, `found 'x'`. */
export function describeFound(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}
