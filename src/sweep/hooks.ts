/**
 * What runs after a sweep (or a merge) has written its folder: the CLI
 * passes the report writer (SweepOptions.hooks), so that the sweep does not
 * depend on the report. A hook may return the path of what it wrote; the
 * last line of the sweep's output names it.
 */
export type AfterSweepHook = (runDir: string) => Promise<string | void>;
