// Every limit message names a configuration key ("more than 10000 objects (render.maxObjects)"):
// each named key must exist, be what the service uses, and default to the engine's own defaults.
import { describe, expect, it } from 'vitest';
import { renderBudgetsOf } from '../../src/applications/desired-state';
import { loadConfig } from '../../src/config/app-config';
import { CONFIG_SCHEMA } from '../../src/config/config.schema';
import { BUDGET_KEYS, DEFAULT_RENDER_BUDGETS } from '../../src/engine/budgets';
import { DEFAULT_EXPORT_LIMITS, EXPORT_LIMIT_KEYS } from '../../src/git/tree-cache';
import { exportLimitsOf } from '../../src/repositories/repository-fetches';

const hasKey = (path: string) => {
  let node: any = CONFIG_SCHEMA;
  for (const part of path.split('.')) node = node?.[part];
  return !!node && 'kind' in node;
};

describe('limit keys', () => {
  it('names only keys the configuration has', () => {
    for (const key of [...Object.values(BUDGET_KEYS), ...Object.values(EXPORT_LIMIT_KEYS)]) expect(hasKey(key), key).toBe(true);
  });

  it('defaults (config/default.yaml) to the limits the engine and the git layer default to', () => {
    const config = loadConfig({ env: {} });
    expect(renderBudgetsOf(config)).toEqual(DEFAULT_RENDER_BUDGETS);
    expect(exportLimitsOf(config)).toEqual(DEFAULT_EXPORT_LIMITS);
  });

  it('takes each from its key, as FLOTILLA_* variables set them', () => {
    const config = loadConfig({
      env: {
        FLOTILLA_RENDER__MAX_FILE_BYTES: '2048',
        FLOTILLA_RENDER__MAX_RENDER_BYTES: '4096',
        FLOTILLA_RENDER__MAX_DOCUMENTS: '7',
        FLOTILLA_RENDER__MAX_OBJECTS: '3',
        FLOTILLA_RENDER__MAX_OBJECT_BYTES: '1024',
        FLOTILLA_RENDER__TIMEOUT_SECONDS: '5',
        FLOTILLA_RENDER__PARSE_MEMORY_MB: '64',
        FLOTILLA_GIT__EXPORT_MAX_FILES: '10',
        FLOTILLA_GIT__EXPORT_MAX_BYTES: '1048576',
        FLOTILLA_GIT__EXPORT_MAX_DEPTH: '4',
        FLOTILLA_GIT__EXPORT_MAX_PATH_BYTES: '128',
        FLOTILLA_GIT__EXPORT_TIMEOUT_SECONDS: '9',
      },
    });
    expect(renderBudgetsOf(config)).toEqual({
      maxFileBytes: 2048,
      maxRenderBytes: 4096,
      maxDocuments: 7,
      maxObjects: 3,
      maxObjectBytes: 1024,
      parseTimeoutMs: 5000,
      parseMemoryMb: 64,
    });
    expect(exportLimitsOf(config)).toEqual({ maxFiles: 10, maxBytes: 1048576, maxDepth: 4, maxPathBytes: 128, timeoutMs: 9000 });
  });

  it('refuses a value out of range, naming the key', () => {
    expect(() => loadConfig({ env: { FLOTILLA_RENDER__MAX_OBJECTS: '0' } })).toThrow(/render\.maxObjects: expected an integer from 1 to 1000000, got "0"/);
    expect(() => loadConfig({ env: { FLOTILLA_GIT__EXPORT_MAX_DEPTH: 'deep' } })).toThrow(/git\.exportMaxDepth: expected an integer/);
  });
});
