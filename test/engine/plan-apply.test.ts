import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SyncEngine, type ChangeSetEntry, type SyncProgress } from '../../src/engine';
import { adminClient, configMap, deployment, recordCalls, uniqueName } from './helpers';

const [east] = inject('clusters');

const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
const clusterRole = (name: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [] });
const outcomes = (changes: ChangeSetEntry[]) => changes.map((c) => `${c.action} ${c.ref.kind}/${c.ref.name}`);

function widgetCrd(group: string, properties: Record<string, object>) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties } } } } }],
    },
  };
}

describe('sync engine: plan, then apply', () => {
  const client = adminClient(east);
  const calls = recordCalls(client);
  const engine = new SyncEngine(client);
  const target = (namespace: string) => ({ application: 'planner', cluster: east.name, namespace });

  it('plans new and changed objects, in a dry run or for applying, without writing anything', async () => {
    const namespace = uniqueName();
    const first = await engine.sync({ target: target(namespace), objects: [configMap('settings', { mode: 'fast' }), configMap('same', { a: '1' }), configMap('old', { b: '2' })] });
    expect(first.ok).toBe(true);
    const versions = async () => Promise.all(['settings', 'same', 'old'].map(async (n) => (await client.get('v1', 'ConfigMap', n, namespace))!.metadata.resourceVersion));
    const before = await versions();

    const objects = [configMap('settings', { mode: 'slow' }), configMap('same', { a: '1' }), configMap('fresh', { c: '3' }), deployment('web')];
    for (const dryRun of [false, true]) {
      calls.reset();
      const plan = await engine.plan({ target: target(namespace), objects, inventory: first.inventory, prune: true, dryRun });
      expect(plan.counts).toMatchObject({ created: 2, configured: 1, unchanged: 1, pruned: 1, failed: 0 });
      expect(plan.willChange).toBe(true);
      expect(plan.prune).toEqual([{ ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'old' }, action: 'pruned', message: 'would be deleted' }]);
      expect(calls.writes).toEqual([]);
      // for applying, new objects are not dry-run (their apply validates them); in a dry run they are
      expect(calls.dryRuns).toBe(dryRun ? 4 : 2);
    }
    expect(await versions()).toEqual(before);
    expect((await client.get('v1', 'ConfigMap', 'settings', namespace))!.data).toEqual({ mode: 'fast' });
    expect(await client.get('v1', 'ConfigMap', 'fresh', namespace)).toBeUndefined();
    expect(await client.get('apps/v1', 'Deployment', 'web', namespace)).toBeUndefined();

    const elsewhere = uniqueName();
    calls.reset();
    const plan = await engine.plan({ target: target(elsewhere), objects });
    expect(outcomes(plan.changes)).toEqual([
      `created Namespace/${elsewhere}`,
      'created ConfigMap/fresh',
      'created ConfigMap/same',
      'created ConfigMap/settings',
      'created Deployment/web',
    ]);
    expect(calls.writes).toEqual([]);
    // nothing can exist in a namespace that does not: only the namespace itself was read
    expect([calls.reads, calls.dryRuns]).toEqual([1, 0]);
    expect(await client.get('v1', 'Namespace', elsewhere)).toBeUndefined();
  });

  it('applies what the plan counted, the target namespace being an object of the Namespaces stage', async () => {
    const namespace = uniqueName();
    calls.reset();
    const plan = await engine.plan({ target: target(namespace), objects: [configMap('a', { x: '1' }), configMap('b', { y: '2' }), deployment('web')] });
    expect(plan.stages.map((s) => [s.name, s.groups.flat().map((p) => `${p.action} ${p.placed.ref.kind}/${p.placed.ref.name}`)])).toEqual([
      ['Namespaces', [`created Namespace/${namespace}`]],
      ['Namespaced', ['created ConfigMap/a', 'created ConfigMap/b', 'created Deployment/web']],
    ]);
    expect(plan.counts).toEqual({ created: 4, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 });
    const result = await engine.apply(plan);
    expect(result.counts).toEqual(plan.counts);
    expect(outcomes(result.changes)).toEqual(outcomes(plan.changes));
    expect(result.inventory.map((r) => r.name)).toEqual(['a', 'b', 'web']);
    // one write per object, new objects are not dry-run first, and the namespace comes first
    expect(calls.dryRuns).toBe(0);
    expect(calls.writes[0]).toBe(`apply Namespace/${namespace}`);
    expect([...calls.writes].sort()).toEqual(['apply ConfigMap/a', 'apply ConfigMap/b', 'apply Deployment/web', `apply Namespace/${namespace}`]);
    const created = await client.get('v1', 'Namespace', namespace);
    expect(created!.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'flotilla' });

    const second = await engine.plan({ target: target(namespace), objects: [configMap('a', { x: '9' }), deployment('web')], inventory: result.inventory, prune: true });
    expect(second.counts).toMatchObject({ created: 0, configured: 1, unchanged: 1, pruned: 1 });
    const applied = await engine.apply(second);
    expect(applied.counts).toEqual(second.counts);
    expect(outcomes(applied.changes)).toEqual(outcomes(second.changes));
    expect(await client.get('v1', 'ConfigMap', 'b', namespace)).toBeUndefined();

    const third = await engine.plan({ target: target(namespace), objects: [configMap('a', { x: '9' }), deployment('web')], inventory: applied.inventory, prune: true });
    expect(third.willChange).toBe(false);
    calls.reset();
    expect((await engine.apply(third)).counts).toMatchObject({ unchanged: 2, created: 0, configured: 0 });
    expect(calls.writes).toEqual([]);
  });

  it('stops between groups once the signal aborts: later groups are skipped and nothing is pruned', async () => {
    const namespace = uniqueName();
    const first = await engine.sync({ target: target(namespace), objects: [configMap('old', { z: '0' })] });
    const plan = await engine.plan({
      target: target(namespace),
      objects: [configMap('a', { x: '1' }), configMap('b', { y: '2' }), service('web'), deployment('web')],
      inventory: first.inventory,
      prune: true,
    });
    expect(plan.prune.map((s) => s.action)).toEqual(['pruned']);
    const stop = new AbortController();
    const progress: SyncProgress[] = [];
    const result = await engine.apply(plan, {
      signal: stop.signal,
      onProgress: (p) => {
        progress.push(p);
        if (p.done > 0) stop.abort();
      },
    });
    expect(result.interrupted).toBe(true);
    expect(result.ok).toBe(false);
    expect(progress).toEqual([
      { stage: 'Namespaced', done: 0, total: 4 },
      { stage: 'Namespaced', done: 2, total: 4 },
    ]);
    expect(outcomes(result.changes)).toEqual(['created ConfigMap/a', 'created ConfigMap/b', 'skipped Service/web', 'skipped Deployment/web', 'skipped ConfigMap/old']);
    expect(result.changes[2].message).toBe('not applied: the sync was interrupted (it would have been created)');
    expect(result.changes[4].message).toBe('not pruned: the sync was interrupted');
    expect(await client.get('v1', 'Service', 'web', namespace)).toBeUndefined();
    expect(await client.get('apps/v1', 'Deployment', 'web', namespace)).toBeUndefined();
    expect(await client.get('v1', 'ConfigMap', 'old', namespace)).toBeDefined();
    // the next run still knows what to prune
    expect(result.inventory.map((r) => r.name).sort()).toEqual(['a', 'b', 'old', 'web', 'web']);

    const aborted = new AbortController();
    aborted.abort();
    const nothing = await engine.sync({ target: target(namespace), objects: [configMap('c', { w: '3' })], inventory: result.inventory, prune: true }, { signal: aborted.signal });
    expect(outcomes(nothing.changes).filter((o) => !o.startsWith('skipped'))).toEqual([]);
    expect(await client.get('v1', 'ConfigMap', 'c', namespace)).toBeUndefined();
    expect(await client.get('v1', 'ConfigMap', 'a', namespace)).toBeDefined();
  });

  it('reports each stage with done and total as it goes, prune included', async () => {
    const namespace = uniqueName();
    const role = uniqueName('reader');
    const progress: SyncProgress[] = [];
    const result = await engine.sync(
      {
        target: target(namespace),
        objects: [configMap('a', { x: '1' }), clusterRole(role), deployment('web'), configMap('b', { y: '2' })],
        prune: true,
        clusterResources: ['rbac.authorization.k8s.io/*'],
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(result.ok).toBe(true);
    expect(progress).toEqual([
      { stage: 'Namespaces', done: 0, total: 1 },
      { stage: 'Namespaces', done: 1, total: 1 },
      { stage: 'ClusterScoped', done: 0, total: 1 },
      { stage: 'ClusterScoped', done: 1, total: 1 },
      { stage: 'Namespaced', done: 0, total: 3 },
      { stage: 'Namespaced', done: 2, total: 3 },
      { stage: 'Namespaced', done: 3, total: 3 },
    ]);

    progress.length = 0;
    const pruned = await engine.sync(
      { target: target(namespace), objects: [deployment('web')], inventory: result.inventory, prune: true },
      { onProgress: (p) => progress.push(p) },
    );
    expect(pruned.counts).toMatchObject({ unchanged: 1, pruned: 3 });
    expect(progress).toEqual([
      { stage: 'Namespaced', done: 0, total: 1 },
      { stage: 'Namespaced', done: 1, total: 1 },
      { stage: 'Prune', done: 0, total: 3 },
      { stage: 'Prune', done: 1, total: 3 },
      { stage: 'Prune', done: 2, total: 3 },
      { stage: 'Prune', done: 3, total: 3 },
    ]);
    expect(await client.get('rbac.authorization.k8s.io/v1', 'ClusterRole', role)).toBeUndefined();
  });

  it('plans a custom resource again when its CRD changes in the same run, so a field the CRD gains is applied', async () => {
    const namespace = uniqueName();
    const group = `${uniqueName('r')}.flotilla.test`;
    const widget = (spec: object) => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'gear' }, spec });
    const first = await engine.sync({
      target: target(namespace),
      objects: [widgetCrd(group, { size: { type: 'integer' } }), widget({ size: 1 })],
      clusterResources: ['apiextensions.k8s.io/CustomResourceDefinition'],
    });
    expect(first.ok).toBe(true);

    const objects = [widgetCrd(group, { size: { type: 'integer' }, color: { type: 'string' } }), widget({ size: 1, color: 'red' })];
    // planned against the old schema, the custom resource's new field fails strict validation…
    const plan = await engine.plan({ target: target(namespace), objects, clusterResources: ['apiextensions.k8s.io/CustomResourceDefinition'] });
    expect(plan.changes.find((c) => c.ref.kind === 'Widget')).toMatchObject({ action: 'failed', message: expect.stringMatching(/color/) });
    // …but the apply plans it again once the CRD is changed
    const result = await engine.apply(plan);
    expect(outcomes(result.changes)).toEqual([`configured CustomResourceDefinition/widgets.${group}`, 'configured Widget/gear']);
    expect((await client.get(`${group}/v1`, 'Widget', 'gear', namespace))!.spec).toEqual({ size: 1, color: 'red' });

    // nothing changed: nothing is planned twice and nothing is written
    calls.reset();
    const again = await engine.sync({ target: target(namespace), objects, clusterResources: ['apiextensions.k8s.io/CustomResourceDefinition'] });
    expect(again.counts).toMatchObject({ unchanged: 2, failed: 0 });
    expect(calls.writes).toEqual([]);
    expect(calls.dryRuns).toBe(2);
  });
});
