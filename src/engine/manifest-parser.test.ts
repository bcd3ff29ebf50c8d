import { afterAll, describe, expect, it } from 'vitest';
import { manyDocuments, MiB, wideMapping } from '../../test/hostile/inputs';
import { renderBudgets } from './budgets';
import { ManifestParser } from './manifest-parser';
import { RenderError } from './render';

/** The longest gap between ticks of a 5 ms timer while `work` runs: how long the event loop was held. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T | Error; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last - 5);
    last = now;
  }, 5);
  try {
    const result = await work().catch((e: Error) => e);
    return { result, stallMs: Math.max(stallMs, performance.now() - last - 5) };
  } finally {
    clearInterval(timer);
  }
}

describe('parsing manifests off the event loop', () => {
  const parser = new ManifestParser({ workers: 2 });
  afterAll(() => parser.close());
  const budgets = renderBudgets();

  it('parses a large input in a worker while the event loop keeps running, objects in order', async () => {
    // ~4 MiB, 50,000 documents: several seconds of parsing
    const texts = [0, 1, 2, 3, 4].map((i) => ({ file: `apps/x/${i}.yaml`, text: manyDocuments(1_900) }));
    const { result, stallMs } = await longestStall(() => parser.parse(texts, renderBudgets({ maxDocuments: 20_000, maxObjects: 20_000 })));
    if (result instanceof Error) throw result;
    expect(result).toHaveLength(9_500);
    expect(result[0].source).toEqual({ file: 'apps/x/0.yaml', line: 1 });
    expect(result[9_499].source.file).toBe('apps/x/4.yaml');
    // objects come back in batches, each a short task here (parsed inline this held the loop for
    // the whole parse, seconds; the bound is loose for a busy two-core machine)
    expect(stallMs).toBeLessThan(1_000);
  });

  it('stops a parse at its deadline, naming the file and the budget, and parses the next input', async () => {
    const text = wideMapping(300_000);
    const error = await parser
      .parse([{ file: 'apps/slow/wide.yaml', text }], { ...budgets, maxFileBytes: 16 * MiB, maxObjectBytes: 16 * MiB, parseTimeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderError);
    expect((error as Error).message).toBe('apps/slow/wide.yaml: parsing took longer than 0.2 s (render.timeoutSeconds)');
    const after = await parser.parse([{ file: 'ok.yaml', text: manyDocuments(3_000) }], budgets);
    expect(after).toHaveLength(3_000);
  });

  it('ends a worker that needs more memory than allowed with a RenderError, not the process', async () => {
    const text = wideMapping(300_000);
    const error = await parser
      .parse([{ file: 'apps/fat/wide.yaml', text }], { ...budgets, maxFileBytes: 16 * MiB, maxObjectBytes: 16 * MiB, parseMemoryMb: 24 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderError);
    expect((error as Error).message).toBe('apps/fat/wide.yaml: parsing needs more than the 24 MiB of memory a render may use (render.parseMemoryMb)');
    expect(await parser.parse([{ file: 'ok.yaml', text: manyDocuments(3_000) }], budgets)).toHaveLength(3_000);
  });

  it('is cancelled by its signal', async () => {
    const abort = new AbortController();
    const parsing = parser.parse([{ file: 'w.yaml', text: wideMapping(300_000) }], { ...budgets, maxFileBytes: 16 * MiB, maxObjectBytes: 16 * MiB }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(parsing).rejects.toThrow('the render was cancelled');
  });

  it('parses small inputs inline with the same budgets', async () => {
    await expect(parser.parse([{ file: 'a.yaml', text: 'a: 1\na: 2\n' }], budgets)).rejects.toThrow('a.yaml:2: invalid YAML: Map keys must be unique');
  });
});
