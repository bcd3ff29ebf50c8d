// A clusterSelector destination deploys only to the clusters its selector matches, each into the
// namespace its template renders from that cluster's own name and labels — seen end to end, on a
// real cluster, not just in the fan-out's unit tests. One test-bed cluster is registered four
// times with different labels; every namespace here starts with `fsel-`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { clusterBody, configMapYaml, getNamespace, getObject, SYNC_ENV, TargetView, targetKey, waitForTargets } from '../support/workloads';
import { uniqueName } from '../engine/helpers';

const [east] = inject('clusters');
const ADMIN = 'fan-out-selector-test-admin-token-0123';

// cluster names, and so the namespaces rendered from them, are new in every run
const run = uniqueName('fs');
const [p1, p2, p3, s1] = ['p1', 'p2', 'p3', 's1'].map((n) => `${run}-${n}`);
const CLUSTERS: Record<string, Record<string, string>> = {
  [p1]: { env: 'prod', region: 'eu' },
  [p2]: { env: 'prod', region: 'us' },
  [p3]: { env: 'prod', region: 'ap' }, // matchLabels yes, matchExpressions no
  [s1]: { env: 'staging', region: 'eu' }, // matchLabels no
};

describe('a clusterSelector destination with a namespace template', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    const repo = await server.createRepository('fsel');
    await repo.commit({ 'app/settings.yaml': configMapYaml('fsel-settings', { mode: 'git' }) });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    for (const [name, labels] of Object.entries(CLUSTERS)) {
      const res = await admin.post('/api/v1/clusters', clusterBody(name, east, labels));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    expect((await admin.post('/api/v1/repositories', { name: 'fsel', url: server.url('fsel'), pollIntervalSeconds: 3600 })).status).toBe(201);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('deploys to exactly the clusters the selector matches, each into the namespace rendered from its own labels and name', async () => {
    const created = await admin.post('/api/v1/applications', {
      name: 'fsel-web',
      repository: 'fsel',
      path: 'app',
      destinations: [
        {
          clusterSelector: { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'region', operator: 'In', values: ['eu', 'us'] }] },
          namespace: 'fsel-{{cluster.labels.region}}-{{cluster.name}}',
        },
      ],
      syncPolicy: { automated: true, intervalSeconds: 300 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const keys = [`${p1}/fsel-eu-${p1}`, `${p2}/fsel-us-${p2}`];
    const app = await waitForTargets(admin, 'fsel-web', keys, (t) => t.sync === 'Synced' && t.lastSyncRun?.phase === 'Succeeded', 'two targets synced', 30_000);
    expect((app.status.targets as TargetView[]).map(targetKey)).toEqual(keys);

    // on the cluster: the rendered namespaces hold the object; what the other clusters would have rendered does not exist
    for (const namespace of [`fsel-eu-${p1}`, `fsel-us-${p2}`]) {
      expect((await getObject(east, 'ConfigMap', namespace, 'fsel-settings'))?.data, namespace).toEqual({ mode: 'git' });
    }
    for (const namespace of [`fsel-ap-${p3}`, `fsel-eu-${s1}`, `fsel-region-${p1}`, `fsel-prod-${p1}`]) {
      expect(await getNamespace(east, namespace), namespace).toBeNull();
    }
  }, 120_000);
});
