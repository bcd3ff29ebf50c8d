// Issue 18, cases 6–8: whoever can push to a repository must not take over (and later prune)
// cluster objects nobody handed to Flotilla, nor reach past the target namespace with
// cluster-scoped kinds the application was not allowed. Against the real test-bed cluster `east`.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ADOPTED_ANNOTATION, SyncEngine, TRACKING_ID_ANNOTATION, type ChangeSetEntry, type KubeObject } from '../../src/engine';
import { clusterRequest } from '../testbed/cluster';
import { adminClient, configMap } from '../engine/helpers';
import { hz } from './helpers';

const [east] = inject('clusters');

const byName = (changes: ChangeSetEntry[]) => Object.fromEntries(changes.map((c) => [c.ref.name, c]));

describe('objects Flotilla did not create are not taken over', () => {
  const client = adminClient(east);
  const engine = new SyncEngine(client);
  const target = (namespace: string, application = 'hz-owner') => ({ application, cluster: east.name, namespace });
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const undo of cleanup) await undo().catch(() => undefined);
    client.close();
  });

  /** Creates an object the way kubectl would: no labels, no tracking id unless given. */
  async function createByHand(path: string, object: object): Promise<KubeObject> {
    const res = await clusterRequest(east, east.adminToken, 'POST', path, object);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function namespaceByHand(): Promise<string> {
    const namespace = hz();
    await createByHand('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    return namespace;
  }

  it('6: fails an untracked object, and one with an empty tracking id, with NotOwned, leaves both untouched and applies the rest', async () => {
    const namespace = await namespaceByHand();
    const theirs = await createByHand(`/api/v1/namespaces/${namespace}/configmaps`, configMap('theirs', { owner: 'kubectl' }));
    const empty = await createByHand(`/api/v1/namespaces/${namespace}/configmaps`, {
      ...configMap('empty', { owner: 'kubectl' }),
      metadata: { name: 'empty', annotations: { [TRACKING_ID_ANNOTATION]: '' } },
    });

    const result = await engine.sync({
      target: target(namespace),
      objects: [configMap('theirs', { owner: 'git' }), configMap('empty', { owner: 'git' }), configMap('mine', { a: '1' })],
      prune: true,
    });
    const changes = byName(result.changes);
    for (const name of ['theirs', 'empty']) {
      expect(changes[name]).toMatchObject({
        action: 'failed',
        message: `NotOwned: ConfigMap ${namespace}/${name} exists and is not managed by Flotilla; set syncPolicy.adopt or annotate it flotilla.io/adopt: "true" in git`,
      });
    }
    expect(changes.mine.action).toBe('created');
    expect(result.inventory.map((r) => r.name)).toEqual(['mine']);
    for (const before of [theirs, empty]) {
      const after = (await client.get('v1', 'ConfigMap', before.metadata.name, namespace))!;
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      expect(after.data).toEqual({ owner: 'kubectl' });
    }
    // and nothing of them is pruned later: they never entered the inventory
    const later = await engine.sync({ target: target(namespace), objects: [], inventory: result.inventory, prune: true });
    expect(later.changes.map((c) => `${c.action} ${c.ref.name}`)).toEqual(['pruned mine']);
    expect(await client.get('v1', 'ConfigMap', 'theirs', namespace)).toBeDefined();
  });

  it('6: does not overwrite the subjects of a system ClusterRoleBinding, even with every cluster-scoped kind allowed', async () => {
    const before = (await client.get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'system:public-info-viewer'))!;
    // the binding as git would hold it (the same roleRef, so that a regression changes only labels and subjects)
    const hostile = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:public-info-viewer' },
      roleRef: before.roleRef,
      subjects: [{ kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }],
    };
    const result = await engine.sync({ target: target(hz()), objects: [hostile], clusterResources: ['*'] });
    expect(result.changes).toEqual([
      {
        ref: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', name: 'system:public-info-viewer' },
        action: 'failed',
        message:
          'NotOwned: ClusterRoleBinding system:public-info-viewer exists and is not managed by Flotilla; set syncPolicy.adopt or annotate it flotilla.io/adopt: "true" in git',
      },
    ]);
    const after = (await client.get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'system:public-info-viewer'))!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.subjects).toEqual(before.subjects);
    expect(result.inventory).toEqual([]);
  });

  it('6: adopts only when asked (syncPolicy.adopt, or the annotation in git), records it, and prune leaves adopted objects unless pruneAdopted', async () => {
    const namespace = await namespaceByHand();
    await createByHand(`/api/v1/namespaces/${namespace}/configmaps`, configMap('legacy', { v: '0' }));
    await createByHand(`/api/v1/namespaces/${namespace}/configmaps`, configMap('annotated', { v: '0' }));

    const first = await engine.sync({ target: target(namespace), objects: [configMap('legacy', { v: '1' })], adopt: true });
    expect(first.changes).toEqual([expect.objectContaining({ action: 'configured', message: 'adopted: it existed without a Flotilla tracking id (syncPolicy.adopt)' })]);
    expect(first.inventory).toEqual([{ group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'legacy', adopted: true }]);
    const legacy = (await client.get('v1', 'ConfigMap', 'legacy', namespace))!;
    expect(legacy.data).toEqual({ v: '1' });
    expect(legacy.metadata.annotations).toMatchObject({ [TRACKING_ID_ANNOTATION]: `hz-owner:${namespace}`, [ADOPTED_ANNOTATION]: 'true' });

    // per object from git, with the application setting off
    const annotated = { ...configMap('annotated', { v: '1' }), metadata: { name: 'annotated', annotations: { 'flotilla.io/adopt': 'true' } } };
    const second = await engine.sync({ target: target(namespace), objects: [configMap('legacy', { v: '1' }), annotated], inventory: first.inventory });
    expect(byName(second.changes).annotated).toMatchObject({ action: 'configured', message: 'adopted: it existed without a Flotilla tracking id (annotation flotilla.io/adopt)' });
    // once adopted, the object is Flotilla's: no adoption needed any more, the mark stays
    expect(byName(second.changes).legacy).toMatchObject({ action: 'unchanged' });
    expect(second.inventory.map((r) => [r.name, r.adopted])).toEqual([
      ['annotated', true],
      ['legacy', true],
    ]);

    // removed from git: prune leaves them, and keeps them in the inventory
    const kept = await engine.sync({ target: target(namespace), objects: [], inventory: second.inventory, prune: true });
    expect(kept.changes.map((c) => [c.action, c.ref.name, c.message])).toEqual([
      ['skipped', 'legacy', 'not pruned: Flotilla adopted it (it existed before Flotilla managed it); syncPolicy.pruneAdopted lets prune delete adopted objects'],
      ['skipped', 'annotated', 'not pruned: Flotilla adopted it (it existed before Flotilla managed it); syncPolicy.pruneAdopted lets prune delete adopted objects'],
    ]);
    const sorted = (refs: typeof kept.inventory) => [...refs].sort((x, y) => x.name.localeCompare(y.name));
    expect(sorted(kept.inventory)).toEqual(sorted(second.inventory));
    expect(await client.get('v1', 'ConfigMap', 'legacy', namespace)).toBeDefined();

    const pruned = await engine.sync({ target: target(namespace), objects: [], inventory: kept.inventory, prune: true, pruneAdopted: true });
    expect(pruned.changes.map((c) => `${c.action} ${c.ref.name}`)).toEqual(['pruned legacy', 'pruned annotated']);
    expect(pruned.inventory).toEqual([]);
  });

  it('6: an object one target adopted is not pruned by another target of the application that renders it too', async () => {
    const role = hz('hz-role');
    cleanup.push(() => client.delete('rbac.authorization.k8s.io/v1', 'ClusterRole', role));
    await createByHand('/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role }, rules: [] });
    const clusterRole = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    };
    const allowed = ['rbac.authorization.k8s.io/ClusterRole'];
    const a = await engine.sync({ target: target(hz()), objects: [clusterRole], adopt: true, clusterResources: allowed });
    expect(a.inventory).toEqual([expect.objectContaining({ name: role, adopted: true })]);
    // target b: the role already carries the application's cluster tracking id, and the mark
    const other = target(hz());
    const b = await engine.sync({ target: other, objects: [clusterRole], clusterResources: allowed });
    expect(b.changes).toEqual([expect.objectContaining({ action: 'unchanged' })]);
    expect(b.inventory).toEqual([expect.objectContaining({ name: role, adopted: true })]);
    const gone = await engine.sync({
      target: other,
      objects: [],
      inventory: [{ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', name: role }],
      prune: true,
    });
    expect(gone.changes).toEqual([expect.objectContaining({ action: 'skipped', message: expect.stringMatching(/^not pruned: Flotilla adopted it/) })]);
    expect(await client.get('rbac.authorization.k8s.io/v1', 'ClusterRole', role)).toBeDefined();
  });

  it('7: never applies a Namespace that exists untracked (kube-system) or belongs to another application; created target namespaces carry <app>:_cluster', async () => {
    const owned = hz();
    const first = await engine.sync({ target: target(owned, 'hz-first'), objects: [configMap('x', { a: '1' })] });
    expect(first.ok).toBe(true);
    const created = (await client.get('v1', 'Namespace', owned))!;
    expect(created.metadata.annotations?.[TRACKING_ID_ANNOTATION]).toBe('hz-first:_cluster');
    expect(created.metadata.labels).toMatchObject({ 'flotilla.io/application': 'hz-first', 'app.kubernetes.io/managed-by': 'flotilla' });

    const systemBefore = (await client.get('v1', 'Namespace', 'kube-system'))!;
    const privileged = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
    const result = await engine.sync({ target: target(hz(), 'hz-second'), objects: [privileged('kube-system'), privileged(owned), configMap('y', { b: '2' })] });
    const changes = byName(result.changes);
    expect(changes['kube-system']).toMatchObject({
      action: 'failed',
      message: 'NotOwned: Namespace kube-system exists and is not managed by Flotilla; set syncPolicy.adopt or annotate it flotilla.io/adopt: "true" in git',
    });
    expect(changes[owned]).toMatchObject({
      action: 'failed',
      message: `SharedResource: Namespace ${owned} is already managed by application "hz-first" (tracking id hz-first:_cluster); not taken over`,
    });
    expect(changes.y.action).toBe('created');
    const systemAfter = (await client.get('v1', 'Namespace', 'kube-system'))!;
    expect(systemAfter.metadata.resourceVersion).toBe(systemBefore.metadata.resourceVersion);
    expect(systemAfter.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBeUndefined();
    expect((await client.get('v1', 'Namespace', owned))!.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBeUndefined();
  });

  it('8: fails a cluster-scoped kind the application may not apply with KindNotAllowed and applies the rest; listing the kind allows it', async () => {
    const namespace = hz();
    const binding = hz('hz-admin');
    cleanup.push(() => client.delete('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', binding));
    const toClusterAdmin = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: binding },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
    };
    const result = await engine.sync({ target: target(namespace), objects: [toClusterAdmin, configMap('z', { c: '3' })] });
    expect(byName(result.changes)[binding]).toMatchObject({
      action: 'failed',
      message: `KindNotAllowed: ClusterRoleBinding ${binding} is cluster-scoped and "rbac.authorization.k8s.io/ClusterRoleBinding" is not in the application's syncPolicy.clusterResources ("Namespace"); an admin can add it, or "*"`,
    });
    expect(byName(result.changes).z.action).toBe('created');
    expect(result.inventory.map((r) => r.name)).toEqual(['z']);
    expect(await client.get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', binding)).toBeUndefined();

    const allowed = await engine.sync({
      target: target(namespace),
      objects: [toClusterAdmin, configMap('z', { c: '3' })],
      inventory: result.inventory,
      clusterResources: ['rbac.authorization.k8s.io/ClusterRoleBinding'],
    });
    expect(byName(allowed.changes)[binding].action).toBe('created');
    expect(await client.get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', binding)).toBeDefined();
  });
});
