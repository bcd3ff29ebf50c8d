import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SyncEngine, TRACKING_ID_ANNOTATION, type Inventory } from '../../src/engine';
import { clusterRequest } from '../testbed/cluster';
import { adminClient, configMap, deployment, uniqueName } from './helpers';

const [, west] = inject('clusters');

describe('sync engine: independent targets and prune', () => {
  const client = adminClient(west);
  const engine = new SyncEngine(client);
  const base = uniqueName();
  const namespaces = [`${base}-a`, `${base}-b`, `${base}-c`];
  const manifests = () => [configMap('settings', { mode: 'fast' }), configMap('flags', { beta: 'on' }), deployment('web')];
  const inventories = new Map<string, Inventory>();
  const guestbook = (namespace: string) => ({ application: 'guestbook', cluster: west.name, namespace });

  it('applies the same manifests into three namespaces as three sets, each with its own tracking id', async () => {
    for (const namespace of namespaces) {
      const result = await engine.sync({ target: guestbook(namespace), objects: manifests(), prune: true });
      expect(result.counts).toMatchObject({ created: 4, failed: 0 }); // 3 objects + the namespace
      expect(result.inventory.map((r) => `${r.kind}/${r.namespace}/${r.name}`).sort()).toEqual([
        `ConfigMap/${namespace}/flags`,
        `ConfigMap/${namespace}/settings`,
        `Deployment/${namespace}/web`,
      ]);
      inventories.set(namespace, result.inventory);
    }
    for (const namespace of namespaces) {
      const live = await client.get('v1', 'ConfigMap', 'flags', namespace);
      expect(live!.metadata.annotations![TRACKING_ID_ANNOTATION]).toBe(`guestbook:${namespace}`);
    }
  });

  it("prunes objects removed from git in one target but never the other targets' objects or an unowned object", async () => {
    const [a, b, c] = namespaces;
    // an object of the same name nobody manages, placed in the pruned target's namespace by hand
    // after a previous inventory named it (as when someone recreated it with kubectl)
    await client.delete('v1', 'ConfigMap', 'settings', a);
    const created = await clusterRequest(west, west.adminToken, 'POST', `/api/v1/namespaces/${a}/configmaps`, configMap('settings', { mine: 'yes' }));
    expect(created.status).toBe(201);
    // and one carrying another target's tracking id
    await client.apply(
      { ...configMap('intruder', { x: '1' }), metadata: { name: 'intruder', namespace: a, annotations: { [TRACKING_ID_ANNOTATION]: `guestbook:${b}` } } },
      { fieldManager: 'someone' },
    );

    const previous = [...inventories.get(a)!, { group: '', version: 'v1', kind: 'ConfigMap', namespace: a, name: 'intruder' }];
    const result = await engine.sync({ target: guestbook(a), objects: [deployment('web')], inventory: previous, prune: true });
    const byName = Object.fromEntries(result.changes.map((ch) => [ch.ref.name, ch]));
    expect(byName.flags).toMatchObject({ action: 'pruned' });
    expect(byName.settings).toMatchObject({ action: 'skipped', message: 'not pruned: it carries no Flotilla tracking id' });
    expect(byName.intruder).toMatchObject({ action: 'skipped', message: `not pruned: it carries tracking id guestbook:${b}, not guestbook:${a}` });
    expect(byName.web).toMatchObject({ action: 'unchanged' });
    expect(result.inventory.map((r) => r.name)).toEqual(['web']);

    expect(await client.get('v1', 'ConfigMap', 'flags', a)).toBeUndefined();
    expect((await client.get('v1', 'ConfigMap', 'settings', a))!.data).toEqual({ mine: 'yes' });
    expect(await client.get('v1', 'ConfigMap', 'intruder', a)).toBeDefined();
    for (const other of [b, c]) {
      for (const name of ['flags', 'settings']) expect(await client.get('v1', 'ConfigMap', name, other), `${other}/${name}`).toBeDefined();
      expect(await client.get('apps/v1', 'Deployment', 'web', other)).toBeDefined();
    }
  });

  it('prunes in reverse order, never a namespace, and keeps the inventory when prune is off', async () => {
    const [, , c] = namespaces;
    const extra = uniqueName();
    const withNamespace = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: extra } }, ...manifests()];
    const first = await engine.sync({ target: guestbook(c), objects: withNamespace, inventory: inventories.get(c), prune: true });
    expect(first.counts).toMatchObject({ created: 1, unchanged: 3 });

    const kept = await engine.sync({ target: guestbook(c), objects: [], inventory: first.inventory, prune: false });
    expect(kept.changes).toEqual([]);
    expect(kept.inventory).toHaveLength(4);

    const pruned = await engine.sync({ target: guestbook(c), objects: [], inventory: kept.inventory, prune: true });
    expect(pruned.changes.map((ch) => `${ch.action} ${ch.ref.kind}/${ch.ref.name}`)).toEqual([
      'pruned Deployment/web',
      'pruned ConfigMap/settings',
      'pruned ConfigMap/flags',
      `skipped Namespace/${extra}`,
    ]);
    expect(pruned.changes[3].message).toMatch(/namespaces are never pruned/);
    expect(await client.get('v1', 'Namespace', extra)).toBeDefined();
    expect(await client.get('apps/v1', 'Deployment', 'web', c)).toBeUndefined();
  });

  it('refuses to take over an object another application tracks (SharedResource) and goes on with the rest', async () => {
    const [, b] = namespaces;
    const before = await client.get('v1', 'ConfigMap', 'flags', b);
    const result = await engine.sync({
      target: { application: 'intruder', cluster: west.name, namespace: b },
      objects: [configMap('flags', { beta: 'off' }), configMap('own', { a: '1' })],
    });
    const flags = result.changes.find((ch) => ch.ref.name === 'flags')!;
    expect(flags.action).toBe('failed');
    expect(flags.message).toBe(`SharedResource: ConfigMap ${b}/flags is already managed by application "guestbook" (tracking id guestbook:${b}); not taken over`);
    expect(result.changes.find((ch) => ch.ref.name === 'own')!.action).toBe('created');
    expect(result.inventory.map((r) => r.name)).toEqual(['own']);
    const after = await client.get('v1', 'ConfigMap', 'flags', b);
    expect(after!.metadata.resourceVersion).toBe(before!.metadata.resourceVersion);
    expect(after!.data).toEqual({ beta: 'on' });
  });
});
