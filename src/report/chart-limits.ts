/**
 * How much a chart may hold, and the tolerances its axes use: each constant
 * in one place, with its reason (docs/report.md, "Charts that stay small").
 */

/**
 * At most this many values of one sweep axis reach the charts; an axis with
 * more is sampled evenly (first and last kept). 40 keeps a 40-value policy
 * constant whole (sweeps/examples/policy-constants.yaml).
 */
export const MAX_AXIS_VALUES = 40;

/**
 * At most this many scenarios (summary.csv rows) reach the charts: the axes
 * with the most values are sampled further until their product fits. A few
 * thousand points per chart keep a spec under a megabyte and its SVG under a
 * second to render.
 */
export const MAX_CHART_SCENARIOS = 4000;

/** At most this many cells along one side of the convergence map (a 40 px cell each). */
export const MAX_MAP_CELLS_PER_SIDE = 25;

/** At most this many panels in one chart's facet, and this many lines (colours) in one panel. */
export const MAX_FACET_PANELS = 6;
export const MAX_COLOR_LINES = 10;

/** At most this many scenarios re-simulated with their timelines for the timeline chart. */
export const MAX_TIMELINE_RUNS = 6;

/** A value range spanning fewer decades than this gets ticks at 1, 2 and 5 per decade, not decades alone. */
export const NARROW_LOG_DECADES = 2.5;

/** Relative slack when a tick candidate is compared with the data's ends (values that went through text). */
export const TICK_SLACK = 1.0001;
