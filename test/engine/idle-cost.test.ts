// The idle cost of the engine, counted where it is paid: at the API server. A no-op server-side
// apply moves no resourceVersion and still reads back as "unchanged", so only the requests
// themselves show whether an unchanged object was written again.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SyncEngine, type SyncRequest } from '../../src/engine';
import { KubeClient } from '../../src/kube';
import { ApiServerProxy, type ProxiedRequest } from '../support/api-server-proxy';
import { configMap, deployment, uniqueName } from './helpers';

const [east] = inject('clusters');

const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { password: 'idle-cost-password' } });
const clusterRole = (name: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [] });
const show = (requests: ProxiedRequest[]) => requests.map((r) => `${r.method} ${r.path}${r.query.size ? `?${r.query.toString()}` : ''}`);

describe('the idle cost of a sync', () => {
  let proxy: ApiServerProxy;
  let client: KubeClient;
  let engine: SyncEngine;
  beforeAll(async () => {
    proxy = await ApiServerProxy.start(east);
    client = KubeClient.fromCredentials({ server: proxy.url, caData: east.caData, token: east.adminToken });
    engine = new SyncEngine(client);
  });
  afterAll(async () => {
    client?.close();
    await proxy?.stop();
  });

  it('writes nothing to the API server when nothing changed: no apply, create or delete on the second sync', async () => {
    const namespace = uniqueName();
    const role = uniqueName('idle');
    const objects = [configMap('settings', { mode: 'fast' }), secret('creds'), service('web'), deployment('web'), clusterRole(role)];
    const request = (inventory?: SyncRequest['inventory']): SyncRequest => ({
      target: { application: 'idle', cluster: east.name, namespace },
      objects,
      inventory,
      prune: true,
      clusterResources: ['rbac.authorization.k8s.io/ClusterRole'],
    });

    proxy.reset();
    const first = await engine.sync(request());
    expect(first.ok, JSON.stringify(first.changes)).toBe(true);
    expect(first.counts).toMatchObject({ created: 6 });
    // the proxy sees the real traffic: every object and the target namespace was applied through it
    const applied = proxy.writes.filter((r) => r.method === 'PATCH' && r.query.get('fieldManager'));
    expect(applied.map((r) => r.path.split('/').at(-1)).sort()).toEqual([namespace, 'creds', 'settings', role, 'web', 'web'].sort());

    proxy.reset();
    const second = await engine.sync(request(first.inventory));
    expect(second.ok, JSON.stringify(second.changes)).toBe(true);
    expect(second.counts).toMatchObject({ unchanged: 5, created: 0, configured: 0, pruned: 0 });
    expect(show(proxy.writes)).toEqual([]);
    // what an idle sync does cost: one read and one dry run per object, nothing more
    expect(proxy.dryRuns.map((r) => r.path.split('/').at(-1)).sort()).toEqual(['creds', 'settings', role, 'web', 'web'].sort());
    expect(proxy.dryRuns.every((r) => r.method === 'PATCH')).toBe(true);
    expect(proxy.reads.length, show(proxy.reads).join('\n')).toBeLessThanOrEqual(objects.length + 1);

    // and the same holds for a plan applied later
    proxy.reset();
    const plan = await engine.plan(request(second.inventory));
    expect(plan.willChange).toBe(false);
    expect((await engine.apply(plan)).counts).toMatchObject({ unchanged: 5 });
    expect(show(proxy.writes)).toEqual([]);
  });

  it('checks drift and health of an idle target with one read and one dry run per object, and no write', async () => {
    const namespace = uniqueName();
    const objects = [configMap('settings', { mode: 'fast' }), service('web'), deployment('web')];
    const target = { application: 'idle-check', cluster: east.name, namespace };
    const synced = await engine.sync({ target, objects, prune: true });
    expect(synced.ok, JSON.stringify(synced.changes)).toBe(true);

    proxy.reset();
    const check = await engine.check({ target, objects, inventory: synced.inventory });
    expect(check.drift).toEqual([]);
    // the Deployment has no status (no controller here): Progressing; the rest is Healthy
    expect(check.health.status).toBe('Progressing');
    expect(check.health.resources.map((r) => `${r.ref.kind}:${r.status}`).sort()).toEqual(['ConfigMap:Healthy', 'Deployment:Progressing', 'Service:Healthy']);
    expect(show(proxy.writes)).toEqual([]);
    expect(proxy.dryRuns).toHaveLength(objects.length);
    expect(proxy.reads.length, show(proxy.reads).join('\n')).toBeLessThanOrEqual(objects.length + 1);

    // an object deleted by hand is drift, and Missing: seen by the same read
    await client.delete('v1', 'ConfigMap', 'settings', namespace);
    const after = await engine.check({ target, objects, inventory: synced.inventory });
    expect(after.drift.map((d) => `${d.ref.kind}:${d.state}`)).toEqual(['ConfigMap:deleted']);
    expect(after.health.resources.find((r) => r.ref.kind === 'ConfigMap')?.status).toBe('Missing');
  });
});
