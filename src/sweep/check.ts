/**
 * The last check before any work starts: every scenario the sweep expands
 * to passes the scenario validator's cross-field checks (a working set that
 * must fit in RAM, a base that must lead the policy list, ...). resolve.ts
 * has validated each value; here each combination is built the way the
 * workers will build it (about a microsecond each) and checked.
 */
import { itemAt } from '../common/lookup.js';
import { InputError } from '../common/errors.js';
import { formatPathSegments } from '../scenario/path.js';
import { crossChecks } from '../scenario/validate.js';
import { buildScenario, decodeScenario } from './grid.js';
import { canonical, placeProblem, ProblemList, responsible, showValue, type Assignment } from './origins.js';
import type { ResolvedSweep, VariantContext } from './resolve.js';
import type { Shard } from './types.js';

/**
 * Throw an InputError naming the first problems found in the expanded
 * scenarios: all of them, or a shard's (each shard checks its own, so the
 * shards together check every one).
 */
export function checkEveryScenario(r: ResolvedSweep, shard: Shard | null = null): void {
  const { grid, contexts, source } = r;
  const problems = new ProblemList(grid.variants.length);
  const digits: number[] = [];
  const step = shard ? shard.count : 1;
  for (let g = shard ? shard.index : 0; g < grid.scenarios && !problems.full(); g += step) {
    const vi = decodeScenario(grid, g, digits).variant;
    const v = itemAt(grid.variants, vi);
    const ctx = itemAt(contexts, vi);
    for (const p of crossChecks(buildScenario(v, digits), ctx.rawBase)) {
      const path = formatPathSegments(p.path);
      const assignments = assignmentsAt(ctx, digits);
      const core = placeProblem(source.doc, path, p.message, assignments);
      const context = describe(ctx, digits, responsible(p.path, assignments)?.text);
      problems.add(placeProblem(source.doc, path, p.message, assignments, context), v.name, core.message);
    }
  }
  if (problems.size > 0) throw new InputError(source.file, problems.list());
}

function assignmentsAt(ctx: VariantContext, digits: number[]): Assignment[] {
  const out = [...ctx.setAssignments];
  ctx.dims.forEach((d, di) => {
    const i = itemAt(digits, di);
    d.paths.forEach((p, k) =>
      out.push({
        segs: canonical(p.segs),
        text: p.text,
        where: p.generated ? p.where : [...p.where, i],
        note: p.generated ? `value ${i + 1} of ${d.raw.length} of the range (${showValue(itemAt(itemAt(d.raw, i), k))})` : undefined,
        key: p.where,
      }),
    );
  });
  return out;
}

/** The scenario's other axis values: "with vm.ram = 1GiB, link.bandwidth = 1Gbit/s". */
function describe(ctx: VariantContext, digits: number[], blamed: string | undefined): string {
  const parts = ctx.dims.flatMap((d, di) => {
    const row = itemAt(d.raw, itemAt(digits, di));
    return d.paths.flatMap((p, k) => (p.text === blamed ? [] : [`${p.text} = ${showValue(itemAt(row, k))}`]));
  });
  return parts.length > 0 ? `with ${parts.join(', ')}` : '';
}
