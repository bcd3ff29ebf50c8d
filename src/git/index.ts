// The git layer: plain TypeScript, no Nest. The repository module wires it to HTTP and schedules.
export * from './git-errors';
export * from './git-url';
export type { GitCredentials } from './git-process';
export * from './git-mirror';
export { DEFAULT_EXPORT_LIMITS, EXPORT_LIMIT_KEYS, type ExportedTree, type ExportLimits } from './tree-cache';
export { DEFAULT_GIT_TIMEOUT_MS } from './git-process';
export { quoteName } from './quote-name';
export * from './repository-mirrors';

export * from './push-webhooks';
export * from './push-receiver';
