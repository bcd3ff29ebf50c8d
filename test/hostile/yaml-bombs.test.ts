// Issue 18, cases 1–3: YAML that would crash Flotilla or stall it for everyone. Each input is
// generated here; each is refused with a message naming the file and the budget, while an HTTP
// server in this process keeps answering (the API stands in for it) and nothing reaches the
// cluster. Rendering then syncing is what the service does with a repository path.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PlainManifestRenderer, RenderError, SyncEngine, type RenderBudgets } from '../../src/engine';
import { adminClient, writeTree } from '../engine/helpers';
import { hz, whileResponsive } from './helpers';
import { aliasBomb, bigScalar, billionLaughs, emptyDocuments, manyDocuments, mergeKeyBomb, MiB, wideMapping } from './inputs';

const [east] = inject('clusters');

const OK = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata:\n  a: "1"\n';

describe('hostile manifests: refused by budget, the service responsive, nothing applied', () => {
  const client = adminClient(east);
  const engine = new SyncEngine(client);
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    client.close();
  });

  /** What the service does with an application's path: render it, then sync what it rendered. */
  async function deploy(files: Record<string, string>, namespace: string, budgets?: Partial<RenderBudgets>) {
    const root = writeTree({ ...files, 'apps/x/ok.yaml': OK });
    roots.push(root);
    const target = { application: 'hz-yaml', cluster: east.name, namespace };
    const objects = await new PlainManifestRenderer({ budgets }).render(root, 'apps/x', target);
    return engine.sync({ target, objects });
  }

  it.each<[string, () => string, Partial<RenderBudgets>, RegExp]>([
    [
      '1: an alias bomb, 12 documents × 99 aliases of a 4 MiB string (53 KiB in git), before anything is read',
      () => aliasBomb(12, 99, 4 * MiB),
      {},
      /^apps\/x\/hostile\.yaml: 48\.0 MiB is more than the 8 MiB a manifest file may have \(render\.maxFileBytes\)$/,
    ],
    [
      '1: an alias bomb within the file size (1 MiB aliased 99 times), before any copy expands it',
      () => aliasBomb(1, 99, MiB),
      {},
      /^apps\/x\/hostile\.yaml:\d+: the object is larger than 3 MiB as JSON \(render\.maxObjectBytes\); aliases and merge keys count each time they are used$/,
    ],
    [
      '1: the billion laughs, with file and line instead of a bare ReferenceError',
      billionLaughs,
      {},
      /^apps\/x\/hostile\.yaml:11: the object is larger than 3 MiB as JSON \(render\.maxObjectBytes\)/,
    ],
    [
      '3: 100,000 documents, before parsing them',
      () => manyDocuments(100_000),
      {},
      /^apps\/x\/hostile\.yaml: the render has more than 10000 YAML documents \(render\.maxDocuments\)$/,
    ],
    [
      '3: a 50 MB scalar, before reading it',
      () => bigScalar(50_000_000),
      {},
      /^apps\/x\/hostile\.yaml: 47\.7 MiB is more than the 8 MiB a manifest file may have \(render\.maxFileBytes\)$/,
    ],
    [
      '3: 4,000,000 empty documents, counted before parsing even when the file size is allowed',
      () => emptyDocuments(4_000_000),
      { maxFileBytes: 64 * MiB, maxRenderBytes: 64 * MiB },
      /^apps\/x\/hostile\.yaml: the render has more than 10000 YAML documents \(render\.maxDocuments\)$/,
    ],
    [
      '3: merge keys growing 1.1 MB a hundredfold, stopped at the render budget',
      () => mergeKeyBomb(80, 1000, 99),
      {},
      /^apps\/x\/hostile\.yaml:\d+: the rendered objects add up to more than 32 MiB as JSON \(render\.maxRenderBytes\)/,
    ],
  ])(
    'refuses %s',
    async (_case, make, budgets, message) => {
      const namespace = hz();
      const { result, health } = await whileResponsive(() => deploy({ 'apps/x/hostile.yaml': make() }, namespace, budgets));
      expect(result).toBeInstanceOf(RenderError);
      expect((result as Error).message).toMatch(message);
      // the API kept answering throughout: parsing never held the event loop for long
      expect(health.answered).toBeGreaterThan(0);
      expect(health.slowestMs).toBeLessThan(1_500);
      expect(health.stallMs).toBeLessThan(1_500);
      // nothing was applied: not even the good file beside it, nor the target namespace
      expect(await client.get('v1', 'Namespace', namespace)).toBeUndefined();
    },
    120_000,
  );

  it('2: parses a mapping of 80,000 keys in seconds, off the event loop, while another application syncs', async () => {
    const wideNamespace = hz();
    const otherNamespace = hz();
    const finished: string[] = [];
    const { result, health } = await whileResponsive(async () => {
      const wide = (async () => {
        const root = writeTree({ 'apps/wide/wide.yaml': wideMapping(80_000) });
        roots.push(root);
        const objects = await new PlainManifestRenderer().render(root, 'apps/wide', { application: 'hz-wide', cluster: east.name, namespace: wideNamespace });
        finished.push('wide');
        return objects;
      })();
      const other = deploy({}, otherNamespace).then((r) => {
        finished.push('other');
        return r;
      });
      const [objects, synced] = await Promise.all([wide, other]);
      return { objects, synced };
    });
    if (result instanceof Error) throw result;
    expect(Object.keys(result.objects[0].object.data)).toHaveLength(80_000);
    // the other application's render and sync did not wait for the wide mapping
    expect(result.synced.ok).toBe(true);
    expect(finished).toEqual(['other', 'wide']);
    expect(health.slowestMs).toBeLessThan(1_500);
    expect(health.stallMs).toBeLessThan(1_500);
    expect((await client.get('v1', 'ConfigMap', 'fine', otherNamespace))!.data).toEqual({ a: '1' });
  }, 120_000);
});
