import { parse as parseYamlScalar } from 'yaml';
import type { SourceDocument } from '../scenario/document.js';
import { formatProblems, InputError, type InputProblem } from '../common/errors.js';
import { formatPathSegments, parsePath, setPath } from '../scenario/path.js';
import { validateScenario } from '../scenario/validate.js';
import type { Scenario } from '../engine/types.js';

/**
 * Parse `--set path=value` arguments. Values are read as YAML scalars, so
 * `5` is a number, `1Gbit/s` a string and `{kind: max-passes}` a mapping.
 */
export function parseOverrides(args: readonly string[]): { path: (string | number)[]; value: unknown; arg: string }[] {
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    const pathText = eq > 0 ? arg.slice(0, eq) : '';
    const path = parsePath(pathText);
    if (eq <= 0 || path === null)
      throw new InputError('--set', [{ path: '', message: `expected path=value such as workload.dirtyRate=200MiB/s or policy[1].passes=5, found '${arg}'` }]);
    let value: unknown;
    try {
      value = parseYamlScalar(arg.slice(eq + 1));
    } catch {
      value = arg.slice(eq + 1);
    }
    return { path, value, arg };
  });
}

/** A parsed scenario file with `--set` overrides applied, validated: every problem is an InputError naming the file and place. */
export function scenarioOf(doc: SourceDocument, sets: readonly string[] = []): Scenario {
  const file = doc.file;
  const raw = doc.data;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InputError(file, [{ path: '', message: 'expected a scenario mapping with vm, workload, link and policy' }]);
  const overrides = new Map<string, string>();
  for (const o of parseOverrides(sets)) {
    const why = setPath(raw as Record<string, unknown>, o.path, o.value);
    if (why !== null) throw new InputError(file, [{ path: formatPathSegments(o.path), message: `cannot apply --set ${o.arg}: ${why}` }]);
    overrides.set(formatPathSegments(o.path), o.arg);
  }
  // accepted but without effect: said on stderr (stdout may be --json), in the form of an input problem
  const warn = (w: InputProblem) => process.stderr.write(`migsweep: warning: ${formatProblems(file, [w])}\n`);
  return validateScenario(raw, { file, doc, overrides, warn });
}
