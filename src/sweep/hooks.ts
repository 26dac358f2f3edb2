/**
 * What runs after a sweep (or a merge) has written its folder. The report
 * registers here (`afterSweep.push(writeReport)`), so that the sweep does
 * not depend on it. A hook may return the path of what it wrote; the last
 * line of the sweep's output names it.
 */
export type AfterSweepHook = (runDir: string) => Promise<string | void>;

export const afterSweep: AfterSweepHook[] = [];
