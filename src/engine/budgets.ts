// What one render may cost (issue 18): whoever can push to a repository must not be able to
// crash Flotilla or stall it for everyone. Each budget is checked before the expensive step —
// file sizes before reading, document counts and sizes before parsing, the size of an object
// as its aliases and merge keys expand before anything copies it — and exceeding one fails the
// render with a RenderError naming the file and the budget; the service carries on.

/** Limits of one render; the service maps them from its configuration (keys in BUDGET_KEYS). */
export interface RenderBudgets {
  /** bytes of one manifest file, or of one renderer's output */
  maxFileBytes: number;
  /** bytes one render reads, and bytes of the objects it produces (as JSON, aliases expanded) */
  maxRenderBytes: number;
  /** YAML documents of one render, empty ones included */
  maxDocuments: number;
  /** objects of one render (`*List` items counted one by one) */
  maxObjects: number;
  /**
   * one object as JSON, aliases and `<<` merge keys counted each time they are used; also the
   * longest YAML document read. The API server refuses requests over 3 MiB anyway.
   */
  maxObjectBytes: number;
  /** how long parsing one render may take (it runs in a worker thread, killed at the deadline) */
  parseTimeoutMs: number;
  /** heap of a parse worker; a parse needing more is stopped and fails the render */
  parseMemoryMb: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_RENDER_BUDGETS: Readonly<RenderBudgets> = Object.freeze({
  maxFileBytes: 8 * MiB,
  maxRenderBytes: 32 * MiB,
  maxDocuments: 10_000,
  maxObjects: 10_000,
  maxObjectBytes: 3 * MiB,
  parseTimeoutMs: 60_000,
  parseMemoryMb: 512,
});

/**
 * The configuration key of each budget, as messages name it. The one place to change when the
 * service names them differently.
 */
export const BUDGET_KEYS: Readonly<Record<keyof RenderBudgets, string>> = Object.freeze({
  maxFileBytes: 'render.maxFileBytes',
  maxRenderBytes: 'render.maxRenderBytes',
  maxDocuments: 'render.maxDocuments',
  maxObjects: 'render.maxObjects',
  maxObjectBytes: 'render.maxObjectBytes',
  parseTimeoutMs: 'render.timeoutSeconds',
  parseMemoryMb: 'render.parseMemoryMb',
});

/** Defaults for what is not given. */
export function renderBudgets(given: Partial<RenderBudgets> = {}): RenderBudgets {
  const out = { ...DEFAULT_RENDER_BUDGETS };
  for (const key of Object.keys(out) as (keyof RenderBudgets)[]) {
    const v = given[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[key] = v;
  }
  return out;
}

/** `8 MiB`, `512 KiB`, `300 bytes` */
export function formatBytes(n: number): string {
  if (n >= MiB) return n % MiB === 0 ? `${n / MiB} MiB` : `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return n % 1024 === 0 ? `${n / 1024} KiB` : `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
