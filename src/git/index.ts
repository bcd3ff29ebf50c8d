// The git layer: plain TypeScript, no Nest. The repository module wires it to HTTP and schedules.
export * from './git-errors';
export * from './git-url';
export type { GitCredentials } from './git-process';
export * from './git-mirror';
export type { ExportedTree } from './tree-cache';
export * from './repository-mirrors';

export * from './push-webhooks';
export * from './push-receiver';
