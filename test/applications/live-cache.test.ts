// The watch-fed live cache: a change someone else makes to a managed object is seen at once, not
// at the next interval — healed with selfHeal, reported OutOfSync without — and a change to
// fields Flotilla does not own is not drift. The interval here is five minutes: anything that
// happens within seconds came from the watch.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import {
  allRuns,
  clusterBody,
  configMapYaml,
  deleteObject,
  deploymentYaml,
  editObject,
  getObject,
  markDeploymentReady,
  sleep,
  SYNC_ENV,
  waitForTargets,
} from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'live-cache-test-admin-token-0123456789';

describe('the live cache', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    const repo = await server.createRepository('lc');
    await repo.commit({
      'app/settings.yaml': configMapYaml('lc-settings', { mode: 'git' }),
      'app/extra.yaml': configMapYaml('lc-extra', { kept: 'yes' }),
      'web/web.yaml': deploymentYaml('lc-web'),
    });
    // connectivity checks are GETs too; here they would blur what the targets cost
    // and health is rechecked every five minutes too: health seen within seconds came from the watch
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV, FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '3600', FLOTILLA_SYNC__HEALTH_RECHECK_SECONDS: '300' });
    admin = apiClient(running.baseUrl, ADMIN);
    expect((await admin.post('/api/v1/clusters', clusterBody('lc-east', east))).status).toBe(201);
    expect((await admin.post('/api/v1/repositories', { name: 'lc', url: server.url('lc'), pollIntervalSeconds: 3600 })).status).toBe(201);
    for (const [name, selfHeal] of [
      ['lc-heal', true],
      ['lc-watch', false],
    ] as const) {
      const res = await admin.post('/api/v1/applications', {
        name,
        repository: 'lc',
        path: 'app',
        destinations: [{ cluster: 'lc-east', namespace: name }],
        syncPolicy: { selfHeal, intervalSeconds: 300 },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    for (const name of ['lc-heal', 'lc-watch']) await waitForTargets(admin, name, [`lc-east/${name}`], (t) => t.sync === 'Synced' && t.health === 'Healthy', `${name} synced`);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('checks an idle target every interval without a single GET, dry run or write', async () => {
    expect((await admin.post('/api/v1/clusters', clusterBody('lc-idle', east))).status).toBe(201);
    const created = await admin.post('/api/v1/applications', {
      name: 'lc-idle',
      repository: 'lc',
      path: 'app',
      destinations: [{ cluster: 'lc-idle', namespace: 'lc-idle' }],
      syncPolicy: { selfHeal: true, intervalSeconds: 1 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await waitForTargets(admin, 'lc-idle', ['lc-idle/lc-idle'], (t) => t.sync === 'Synced' && t.health === 'Healthy', 'lc-idle synced');
    const requests = async () => {
      const text = await (await fetch(`${running.baseUrl}/metrics`)).text();
      const counts: Record<string, number> = {};
      for (const m of text.matchAll(/^flotilla_kube_requests_total\{cluster="lc-idle",verb="([A-Za-z]+)"\} (\d+)$/gm)) counts[m[1]] = Number(m[2]);
      return counts;
    };
    // let the first checks after the sync settle what they know, then count three intervals
    await sleep(2500);
    const before = await requests();
    const checkedBefore = (await admin.get('/api/v1/applications/lc-idle')).body.status.targets[0].nextReconcileAt;
    await sleep(3500);
    const after = await requests();
    const checkedAfter = (await admin.get('/api/v1/applications/lc-idle')).body.status.targets[0].nextReconcileAt;
    expect(Date.parse(checkedAfter) - Date.parse(checkedBefore), 'the target was checked meanwhile').toBeGreaterThanOrEqual(2000);
    const delta = (verb: string) => (after[verb] ?? 0) - (before[verb] ?? 0);
    expect({ GET: delta('GET'), PATCH: delta('PATCH'), dryrun: delta('dryrun'), POST: delta('POST'), DELETE: delta('DELETE') }).toEqual({
      GET: 0,
      PATCH: 0,
      dryrun: 0,
      POST: 0,
      DELETE: 0,
    });
    expect(before.GET, 'requests are counted at all').toBeGreaterThan(0);
  }, 60_000);

  it('answers a diff of a target in sync from the live cache, as the reconciler plans: no GET', async () => {
    expect((await admin.post('/api/v1/clusters', clusterBody('lc-diff', east))).status).toBe(201);
    const created = await admin.post('/api/v1/applications', {
      name: 'lc-diff',
      repository: 'lc',
      path: 'app',
      destinations: [{ cluster: 'lc-diff', namespace: 'lc-diff' }],
      syncPolicy: { intervalSeconds: 300 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // the sync made the cache watch the target's kinds and waited for their first list
    await waitForTargets(admin, 'lc-diff', ['lc-diff/lc-diff'], (t) => t.sync === 'Synced' && t.health === 'Healthy', 'lc-diff synced');
    const gets = async () => {
      const text = await (await fetch(`${running.baseUrl}/metrics`)).text();
      return Number(/^flotilla_kube_requests_total\{cluster="lc-diff",verb="GET"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await gets();
    const diff = await admin.get('/api/v1/applications/lc-diff/diff');
    const after = await gets();
    expect(diff.status).toBe(200);
    expect(diff.body.targets).toHaveLength(1);
    const [target] = diff.body.targets;
    expect(target.error).toBeNull();
    expect(target.changes.map((c: { name: string; action: string }) => `${c.name}: ${c.action}`).sort()).toEqual(['lc-extra: unchanged', 'lc-settings: unchanged']);
    expect(after - before, 'GET requests to the cluster during the diff').toBe(0);
    expect(before, 'requests are counted at all').toBeGreaterThan(0);
  }, 60_000);

  it('heals a hand edit and a hand delete within seconds, long before the interval', async () => {
    await editObject(east, 'ConfigMap', 'lc-heal', 'lc-settings', { data: { mode: 'edited' } });
    await eventually(
      'edit healed',
      async () => (await getObject(east, 'ConfigMap', 'lc-heal', 'lc-settings'))?.data?.mode,
      (m) => m === 'git',
      15_000,
      100,
    ).catch(async (e) => {
      console.log(JSON.stringify((await admin.get('/api/v1/applications/lc-heal')).body.status, null, 1));
      console.log(JSON.stringify(await allRuns(admin, 'lc-heal'), null, 1));
      console.log(running.logs.slice(-20).join('\n'));
      throw e;
    });
    await deleteObject(east, 'ConfigMap', 'lc-heal', 'lc-extra');
    await eventually(
      'delete healed',
      async () => (await getObject(east, 'ConfigMap', 'lc-heal', 'lc-extra'))?.data?.kept,
      (k) => k === 'yes',
      15_000,
      100,
    );
    const runs = await allRuns(admin, 'lc-heal');
    expect(runs.filter((r) => r.trigger === 'selfHeal').length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('reports a hand edit OutOfSync at once without selfHeal, and leaves it', async () => {
    await editObject(east, 'ConfigMap', 'lc-watch', 'lc-settings', { data: { mode: 'edited' } });
    const seen = await waitForTargets(admin, 'lc-watch', ['lc-east/lc-watch'], (t) => t.sync === 'OutOfSync', 'OutOfSync after the edit', 15_000);
    expect(seen.status.targets[0].message).toContain('lc-settings');
    expect((await getObject(east, 'ConfigMap', 'lc-watch', 'lc-settings'))?.data?.mode).toBe('edited');
  }, 60_000);

  it('sees a waiting target turn Healthy as soon as the controller writes its status, long before the health recheck', async () => {
    const created = await admin.post('/api/v1/applications', {
      name: 'lc-web',
      repository: 'lc',
      path: 'web',
      destinations: [{ cluster: 'lc-east', namespace: 'lc-web' }],
      syncPolicy: { intervalSeconds: 300 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await waitForTargets(admin, 'lc-web', ['lc-east/lc-web'], (t) => t.lastSyncRun?.phase === 'Succeeded' && t.health === 'Progressing', 'applied, waiting for the controller');
    await sleep(1000);
    expect((await admin.get('/api/v1/applications/lc-web')).body.status.targets[0].health, 'nothing wrote a status yet').toBe('Progressing');
    await markDeploymentReady(east, 'lc-web', 'lc-web');
    await waitForTargets(admin, 'lc-web', ['lc-east/lc-web'], (t) => t.health === 'Healthy', 'Healthy within seconds of the status write', 10_000);
  }, 60_000);

  it('does not count a field Flotilla does not own as drift', async () => {
    const before = (await allRuns(admin, 'lc-heal')).length;
    await editObject(east, 'ConfigMap', 'lc-heal', 'lc-extra', { metadata: { labels: { 'team.example/owner': 'someone' } }, data: { added: 'by-hand' } });
    await sleep(3000);
    const app = await admin.get('/api/v1/applications/lc-heal');
    expect(app.body.status.targets[0].sync).toBe('Synced');
    expect((await allRuns(admin, 'lc-heal')).length).toBe(before);
    expect((await getObject(east, 'ConfigMap', 'lc-heal', 'lc-extra'))?.data).toEqual({ kept: 'yes', added: 'by-hand' });
  }, 60_000);
});
