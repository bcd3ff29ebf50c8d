// Helm settings templated per cluster (issue 12, SPEC §1 Application `helm.values`): a target
// whose cluster lacks a label the application's helm values or value files use cannot be
// rendered. That target alone is Unknown, its message naming the setting and the label, and
// nothing is applied there; the application's other target syncs. Labelling the cluster
// recovers it.
// Names and namespaces on the shared clusters all start with `rn4-`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { allRuns, clusterBody, getApplication, getNamespace, SYNC_ENV, waitForTargets } from '../support/workloads';
import { collectionOf, targetLine, getPath, type RenderedTarget } from './support';

const [east, west] = inject('clusters');
const ADMIN = 'rn4-label-admin-token-0123456789abc';
const REPO = 'rn4-charts';
const POLICY = { automated: true, prune: true, intervalSeconds: 2 };

describe('helm values naming a label a cluster lacks', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let api: ApiClient;
  let head: string;

  const byCluster = (app: any, cluster: string) => (app.status.targets as RenderedTarget[]).find((t) => t.cluster === cluster);
  const dataOf = async (cluster: typeof east, namespace: string, name: string) => (await getPath(cluster, `${collectionOf('ConfigMap', namespace)}/${name}`))?.data;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    head = await repo.commit(
      {
        'rn4/chart/Chart.yaml': 'apiVersion: v2\nname: rn4-chart\nversion: 0.1.0\n',
        'rn4/chart/values.yaml': 'region: none\ntier: none\n',
        'rn4/chart/values-gold.yaml': 'tier: gold\n',
        'rn4/chart/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  region: {{ .Values.region | quote }}\n  tier: {{ .Values.tier | quote }}\n',
      },
      { message: 'chart' },
    );
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    api = apiClient(running.baseUrl, ADMIN);
    // west has neither `region` nor `tier`
    for (const [name, cluster, labels] of [
      ['east', east, { rn4: 'yes', region: 'eu', tier: 'gold' }],
      ['west', west, { rn4: 'yes' }],
    ] as const) {
      const res = await api.post('/api/v1/clusters', clusterBody(name, cluster, labels));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const res = await api.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    for (const [name, helm] of [
      ['rn4-values', { values: { region: '{{cluster.labels.region}}' } }],
      ['rn4-files', { valueFiles: ['values-{{cluster.labels.tier}}.yaml'] }],
    ] as const) {
      const created = await api.post('/api/v1/applications', {
        name,
        repository: REPO,
        path: 'rn4/chart',
        helm,
        syncPolicy: POLICY,
        destinations: [{ clusterSelector: { matchLabels: { rn4: 'yes' } }, namespace: name }],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('reports an inline value naming a missing label on that target only, while the other target syncs', async () => {
    const app = await waitForTargets(
      api,
      'rn4-values',
      ['east/rn4-values', 'west/rn4-values'],
      (t) => (t.cluster === 'east' ? t.sync === 'Synced' && t.revision?.sha === head : t.sync === 'Unknown' && t.lastSyncRun?.phase === 'Failed'),
      'rn4-values: east synced, west Unknown',
    );
    const w = byCluster(app, 'west')!;
    expect(w.message, targetLine(w)).toMatch(/helm\.values\.region/);
    expect(w.message).toMatch(/cluster "west" has no label "region"/);
    expect(w.lastSyncRun?.message).toBe(w.message);
    expect(w.revision).toBeNull();
    expect(byCluster(app, 'east')).toMatchObject({ sync: 'Synced', renderer: 'helm', message: null });
    expect(app.status.summary).toMatchObject({ targets: 2, synced: 1, unknown: 1 });

    expect(await dataOf(east, 'rn4-values', 'rn4-values-cfg')).toEqual({ region: 'eu', tier: 'none' });
    // nothing applied on west, not even the namespace
    expect(await getNamespace(west, 'rn4-values')).toBeNull();
    const runs = await allRuns(api, 'rn4-values', { cluster: 'west', namespace: 'rn4-values' });
    expect(runs.length).toBeGreaterThan(0);
    expect(
      runs.every((r) => r.phase === 'Failed' && /no label "region"/.test(r.message ?? '')),
      JSON.stringify(runs.map((r) => [r.phase, r.message])),
    ).toBe(true);
  }, 90_000);

  it('reports a value file naming a missing label on that target only, while the other target syncs', async () => {
    const app = await waitForTargets(
      api,
      'rn4-files',
      ['east/rn4-files', 'west/rn4-files'],
      (t) => (t.cluster === 'east' ? t.sync === 'Synced' && t.revision?.sha === head : t.sync === 'Unknown' && t.lastSyncRun?.phase === 'Failed'),
      'rn4-files: east synced, west Unknown',
    );
    const w = byCluster(app, 'west')!;
    expect(w.message, targetLine(w)).toMatch(/cluster "west" has no label "tier"/);
    expect(await dataOf(east, 'rn4-files', 'rn4-files-cfg')).toEqual({ region: 'none', tier: 'gold' });
    expect(await getNamespace(west, 'rn4-files')).toBeNull();
  }, 90_000);

  it('names the value file setting as the API does: helm.valueFiles[0]', async () => {
    // desired-state.ts helmFor() templates value files through the same helper as values, which
    // prefixes every location with `helm.values`: the message says `helm.values.valueFiles[0]`,
    // a setting that does not exist; the API names it `helm.valueFiles[0]` (applications.service.ts).
    const w = byCluster(await getApplication(api, 'rn4-files'), 'west')!;
    // the setting is named as the API names it (quoted, as every file name in a render message is)
    expect(w.message).toMatch(/^"?helm\.valueFiles\[0\]"?: cluster "west" has no label "tier"/);
  });

  it('recovers the target once its cluster has the labels', async () => {
    const res = await api.patch('/api/v1/clusters/west', { labels: { rn4: 'yes', region: 'us', tier: 'gold' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const name of ['rn4-values', 'rn4-files']) {
      const app = await waitForTargets(
        api,
        name,
        [`east/${name}`, `west/${name}`],
        (t) => t.sync === 'Synced' && t.revision?.sha === head && t.lastSyncRun?.phase === 'Succeeded',
        `${name} synced on both clusters`,
      );
      expect((app.status.targets as RenderedTarget[]).map((t) => [t.renderer, t.message])).toEqual([
        ['helm', null],
        ['helm', null],
      ]);
    }
    expect(await dataOf(west, 'rn4-values', 'rn4-values-cfg')).toEqual({ region: 'us', tier: 'none' });
    expect(await dataOf(west, 'rn4-files', 'rn4-files-cfg')).toEqual({ region: 'none', tier: 'gold' });
  }, 90_000);
});
