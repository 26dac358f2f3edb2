/** The engine's public surface: simulate one scenario; the registries of policies and workloads. */
export { simulate, type SimulateOptions } from './simulate.js';
export { POLICIES, baseKinds, ruleKinds } from './policies/index.js';
export { WORKLOADS } from './workloads/index.js';
export type { PolicyModule, BaseModule, RuleModule } from './policy.js';
export type { LinkRateChange } from './migration.js';
export type { MigrationView } from './view.js';
export type * from './types.js';
