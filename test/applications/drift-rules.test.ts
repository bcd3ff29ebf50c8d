// Drift rules (issue 26) on a real cluster: fields another manager owns — replicas an HPA sets
// through the scale subresource — are left alone in the status, in drift detection and when
// applying (Flotilla neither overwrites nor claims them), by JSON pointer, by manager, by the
// object's annotation and by the global rule from configuration; report-only applications never
// write, and onDrift stopApplying keeps a hand fix until someone syncs by hand. Each application
// has its own registered cluster name (the same test-bed cluster), so request counts are its own.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterRequest } from '../testbed/cluster';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { ceType, expectStatus, hooksEnv, webhookChannel } from '../support/hooks';
import { WebhookReceiver } from '../support/webhook-receiver';
import { allRuns, clusterBody, configMapYaml, deploymentYaml, editObject, getApplication, getObject, sleep, waitForTargets } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'drift-rules-test-admin-token-0123456789';
const REPO = 'dr-deploy';
const GLOBAL_RULE = { kind: 'ConfigMap', name: 'dr-global-settings', jsonPointers: ['/data/owned-elsewhere'] };

/** Scales a Deployment through its scale subresource, as the HPA controller does. */
async function scale(namespace: string, name: string, replicas: number, manager = 'hpa-controller'): Promise<void> {
  const res = await clusterRequest(
    east,
    east.adminToken,
    'PATCH',
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/scale?fieldManager=${manager}`,
    { spec: { replicas } },
    'application/merge-patch+json',
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Which managers own spec.replicas of a live Deployment. */
function replicaOwners(d: any): string[] {
  return (d.metadata.managedFields ?? [])
    .filter((f: any) => f.fieldsV1?.['f:spec']?.['f:replicas'])
    .map((f: any) => f.manager)
    .sort();
}

describe('drift rules', { timeout: 120_000 }, () => {
  let git: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let api: ApiClient;
  let receiver: WebhookReceiver;

  const requests = async (cluster: string): Promise<Record<string, number>> => {
    const text = await (await fetch(`${running.baseUrl}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(new RegExp(`^flotilla_kube_requests_total\\{cluster="${cluster}",verb="([A-Za-z]+)"\\} (\\d+)$`, 'gm'))) counts[m[1]] = Number(m[2]);
    return counts;
  };
  const delta = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(['GET', 'dryrun', 'PATCH', 'POST', 'DELETE'].map((v) => [v, (after[v] ?? 0) - (before[v] ?? 0)]));

  async function create(name: string, path: string, extra: Record<string, unknown> = {}, syncPolicy: Record<string, unknown> = {}): Promise<void> {
    await expectStatus(api.post('/api/v1/clusters', clusterBody(`${name}-c`, east)));
    await expectStatus(
      api.post('/api/v1/applications', {
        name,
        repository: REPO,
        path,
        destinations: [{ cluster: `${name}-c`, namespace: name }],
        syncPolicy: { intervalSeconds: 300, ...syncPolicy },
        ...extra,
      }),
    );
  }

  async function push(files: Record<string, string>): Promise<string> {
    const sha = await repo.commit(files);
    await expectStatus(api.post(`/api/v1/repositories/${REPO}/refresh`), 200);
    return sha;
  }

  beforeAll(async () => {
    git = await GitHttpServer.start();
    repo = await git.createRepository(REPO);
    receiver = await WebhookReceiver.start();
    const files: Record<string, string> = {};
    for (const app of ['dr-ptr', 'dr-mgr', 'dr-none', 'dr-note']) files[`${app}/web.yaml`] = deploymentYaml('web', 2, 'registry.example/web:1.0');
    files['dr-note/web.yaml'] = files['dr-note/web.yaml'].replace(
      '  labels:\n    app: web\n',
      '  labels:\n    app: web\n  annotations:\n    flotilla.io/ignore-differences: /spec/replicas\n',
    );
    files['dr-report/settings.yaml'] = configMapYaml('dr-report-settings', { mode: 'v1' });
    files['dr-stop/settings.yaml'] = configMapYaml('dr-stop-settings', { mode: 'git' });
    files['dr-global/settings.yaml'] = configMapYaml('dr-global-settings', { mode: 'git', 'owned-elsewhere': 'git' });
    await repo.commit(files);
    running = await startApp(
      hooksEnv(ADMIN, undefined, {
        FLOTILLA_SYNC__IGNORE_DIFFERENCES: JSON.stringify([GLOBAL_RULE]),
        FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '3600',
      }),
    );
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/repositories', { name: REPO, url: git.url(REPO), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('dr-hook', receiver.url)));
    await create('dr-ptr', 'dr-ptr', { ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }] }, { selfHeal: true });
    await create('dr-mgr', 'dr-mgr', { ignoreDifferences: [{ kind: 'Deployment', name: 'web', managedFieldsManagers: ['hpa-*'] }] }, { selfHeal: true });
    await create('dr-none', 'dr-none', {}, { selfHeal: true });
    await create('dr-note', 'dr-note', {}, { onDrift: 'heal' });
    await create('dr-report', 'dr-report', { hooks: [{ on: ['PreSync', 'PostSync'], channel: 'dr-hook' }] }, {});
    await create('dr-stop', 'dr-stop', {}, { onDrift: 'stopApplying' });
    await create('dr-global', 'dr-global', {}, { selfHeal: true });
    for (const app of ['dr-ptr', 'dr-mgr', 'dr-none', 'dr-note', 'dr-report', 'dr-stop', 'dr-global']) {
      await waitForTargets(api, app, [`${app}-c/${app}`], (t) => t.sync === 'Synced' && t.lastSyncRun?.phase === 'Succeeded', `${app} synced`);
    }
  });
  afterAll(async () => {
    await running?.close();
    await receiver?.close();
    await git?.stop();
  });

  it('leaves replicas an HPA sets alone — by pointer, by manager, by annotation — and applies a later commit around them', async () => {
    const ruled = ['dr-ptr', 'dr-mgr', 'dr-note'];
    const runsBefore = new Map<string, number>();
    for (const app of ruled) runsBefore.set(app, (await allRuns(api, app)).length);
    const before = new Map<string, Record<string, number>>();
    for (const app of ruled) before.set(app, await requests(`${app}-c`));
    for (const app of [...ruled, 'dr-none']) await scale(app, 'web', 5);

    // without a rule, selfHeal puts git's replicas back at once
    await eventually(
      'dr-none healed',
      async () => (await getObject(east, 'Deployment', 'dr-none', 'web'))?.spec?.replicas,
      (r) => r === 2,
      15_000,
      100,
    );
    // with one, nothing is written and nothing is drift (the watch saw the change and checked it)
    await sleep(3000);
    for (const app of ruled) {
      const d = await getObject(east, 'Deployment', app, 'web');
      expect(d.spec.replicas, app).toBe(5);
      const target = (await getApplication(api, app)).status.targets[0];
      expect(target.sync, `${app}: ${target.message}`).toBe('Synced');
      expect((await allRuns(api, app)).length, `${app}: no selfHeal run`).toBe(runsBefore.get(app));
      const spent = delta(before.get(app)!, await requests(`${app}-c`));
      expect({ PATCH: spent.PATCH, POST: spent.POST, DELETE: spent.DELETE }, `${app}: no write (${JSON.stringify(spent)})`).toEqual({ PATCH: 0, POST: 0, DELETE: 0 });
    }

    // the diff shows the difference as ignored, not as a change
    const diff = (await api.get('/api/v1/applications/dr-ptr/diff')).body;
    const web = diff.targets[0].changes.find((c: any) => c.kind === 'Deployment');
    expect(web.action).toBe('unchanged');
    expect(web.diff).toEqual([{ path: 'spec.replicas', live: 5, desired: 2, ignored: true }]);

    // a commit changing the image is applied; replicas stay as the other manager set them, and theirs
    const counted = ['dr-ptr', 'dr-none'];
    const beforeCommit = new Map<string, Record<string, number>>();
    for (const app of counted) beforeCommit.set(app, await requests(`${app}-c`));
    const files: Record<string, string> = {};
    for (const app of [...ruled, 'dr-none']) files[`${app}/web.yaml`] = deploymentYaml('web', 2, 'registry.example/web:2.0');
    files['dr-note/web.yaml'] = files['dr-note/web.yaml'].replace(
      '  labels:\n    app: web\n',
      '  labels:\n    app: web\n  annotations:\n    flotilla.io/ignore-differences: /spec/replicas\n',
    );
    const sha = await push(files);
    for (const app of [...ruled, 'dr-none']) {
      await waitForTargets(api, app, [`${app}-c/${app}`], (t) => t.revision?.sha === sha && t.sync === 'Synced', `${app} at the new commit`);
      const d = await getObject(east, 'Deployment', app, 'web');
      expect(d.spec.template.spec.containers[0].image, app).toBe('registry.example/web:2.0');
      expect(d.spec.replicas, app).toBe(app === 'dr-none' ? 2 : 5);
      if (app !== 'dr-none') expect(replicaOwners(d), `${app}: Flotilla did not claim replicas`).toEqual(['hpa-controller']);
    }
    const cost = Object.fromEntries(await Promise.all(counted.map(async (app) => [app, delta(beforeCommit.get(app)!, await requests(`${app}-c`))])));
    console.log(`requests for the image commit, per target: with the replicas rule ${JSON.stringify(cost['dr-ptr'])}, without ${JSON.stringify(cost['dr-none'])}`);
    expect(cost['dr-ptr'].PATCH, 'the rule costs no extra write').toBe(cost['dr-none'].PATCH);
    expect(cost['dr-ptr'].dryrun, 'nor an extra dry run').toBe(cost['dr-none'].dryrun);
  });

  it("creates the object with git's replicas where it does not exist yet", async () => {
    const patched = await api.patch('/api/v1/applications/dr-ptr', {
      destinations: [
        { cluster: 'dr-ptr-c', namespace: 'dr-ptr' },
        { cluster: 'dr-ptr-c', namespace: 'dr-ptr-new' },
      ],
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await waitForTargets(api, 'dr-ptr', ['dr-ptr-c/dr-ptr', 'dr-ptr-c/dr-ptr-new'], (t) => t.sync === 'Synced' && t.lastSyncRun?.phase === 'Succeeded', 'both namespaces synced');
    expect((await getObject(east, 'Deployment', 'dr-ptr-new', 'web')).spec.replicas).toBe(2);
    expect((await getObject(east, 'Deployment', 'dr-ptr', 'web')).spec.replicas).toBe(5);
  });

  it('applies the global rule from configuration to every application, and heals every other field', async () => {
    await editObject(east, 'ConfigMap', 'dr-global', 'dr-global-settings', { data: { 'owned-elsewhere': 'operator' } });
    await sleep(3000);
    expect((await getObject(east, 'ConfigMap', 'dr-global', 'dr-global-settings')).data['owned-elsewhere']).toBe('operator');
    expect((await getApplication(api, 'dr-global')).status.targets[0].sync).toBe('Synced');
    await editObject(east, 'ConfigMap', 'dr-global', 'dr-global-settings', { data: { mode: 'edited' } });
    await eventually(
      'mode healed',
      async () => (await getObject(east, 'ConfigMap', 'dr-global', 'dr-global-settings'))?.data,
      (d) => d?.mode === 'git',
      15_000,
      100,
    );
    expect((await getObject(east, 'ConfigMap', 'dr-global', 'dr-global-settings')).data['owned-elsewhere']).toBe('operator');
  });

  it('reportOnly: a commit changes nothing in the cluster; status, diff and hooks say what would change', async () => {
    const patched = await api.patch('/api/v1/applications/dr-report', { syncPolicy: { mode: 'reportOnly' } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.syncPolicy.mode).toBe('reportOnly');
    const writesBefore = await requests('dr-report-c');
    const sha = await push({ 'dr-report/settings.yaml': configMapYaml('dr-report-settings', { mode: 'v2' }), 'dr-report/more.yaml': configMapYaml('dr-report-more', { n: '1' }) });
    const seen = await waitForTargets(api, 'dr-report', ['dr-report-c/dr-report'], (t) => t.desiredRevision === sha && t.sync === 'OutOfSync', 'OutOfSync with the pending change');
    const target = seen.status.targets[0];
    expect(target.message).toContain('would change');
    expect(target.message).toContain('1 to create, 1 to configure');
    await sleep(1500);
    expect((await getObject(east, 'ConfigMap', 'dr-report', 'dr-report-settings')).data.mode).toBe('v1');
    expect(await getObject(east, 'ConfigMap', 'dr-report', 'dr-report-more')).toBeNull();
    const spent = delta(writesBefore, await requests('dr-report-c'));
    expect({ PATCH: spent.PATCH, POST: spent.POST, DELETE: spent.DELETE }, JSON.stringify(spent)).toEqual({ PATCH: 0, POST: 0, DELETE: 0 });

    const diff = (await api.get('/api/v1/applications/dr-report/diff')).body.targets[0].changes;
    expect(diff.find((c: any) => c.name === 'dr-report-settings')).toMatchObject({ action: 'configured', diff: [{ path: 'data.mode', live: 'v1', desired: 'v2' }] });
    expect(diff.find((c: any) => c.name === 'dr-report-more')?.action).toBe('created');

    const presync = await eventually(
      'a "would change" PreSync',
      async () => receiver.requests.filter((r) => r.event?.type === ceType('PreSync') && r.event?.data?.revision?.sha === sha),
      (r) => r.length > 0,
      15_000,
    );
    expect(presync[0].event!.data.message).toContain('would change');
    expect(receiver.requests.filter((r) => r.event?.type === ceType('PostSync') && r.event?.data?.revision?.sha === sha)).toEqual([]);

    const sync = await api.post('/api/v1/applications/dr-report/sync', {});
    expect(sync.status).toBe(409);
    expect(sync.body.message).toContain('report-only');
    expect((await api.post('/api/v1/applications/dr-report/sync', { dryRun: true })).status).toBe(200);
    expect((await api.delete('/api/v1/applications/dr-report?cascade=true')).status).toBe(409);

    // back to apply: the pending change goes out
    expect((await api.patch('/api/v1/applications/dr-report', { syncPolicy: { mode: 'apply' } })).status).toBe(200);
    await waitForTargets(api, 'dr-report', ['dr-report-c/dr-report'], (t) => t.revision?.sha === sha && t.sync === 'Synced', 'applied once mode is apply');
    expect((await getObject(east, 'ConfigMap', 'dr-report', 'dr-report-settings')).data.mode).toBe('v2');
  });

  it('onDrift stopApplying: a hand fix is not overwritten by the next commit; a manual sync applies it and heals', async () => {
    await editObject(east, 'ConfigMap', 'dr-stop', 'dr-stop-settings', { data: { mode: 'incident-fix' } });
    await waitForTargets(api, 'dr-stop', ['dr-stop-c/dr-stop'], (t) => t.sync === 'OutOfSync', 'drift reported');
    const sha = await push({ 'dr-stop/settings.yaml': configMapYaml('dr-stop-settings', { mode: 'git', added: 'by-commit' }) });
    const held = await waitForTargets(api, 'dr-stop', ['dr-stop-c/dr-stop'], (t) => t.desiredRevision === sha && (t.message ?? '').includes('not applied'), 'the commit held back');
    expect(held.status.targets[0].message).toContain('stopApplying');
    expect(held.status.targets[0].message).toContain('dr-stop-settings');
    await sleep(1500);
    expect((await getObject(east, 'ConfigMap', 'dr-stop', 'dr-stop-settings')).data).toEqual({ mode: 'incident-fix' });

    await expectStatus(api.post('/api/v1/applications/dr-stop/sync', {}), 202);
    await waitForTargets(api, 'dr-stop', ['dr-stop-c/dr-stop'], (t) => t.revision?.sha === sha && t.sync === 'Synced', 'synced by hand');
    expect((await getObject(east, 'ConfigMap', 'dr-stop', 'dr-stop-settings')).data).toEqual({ mode: 'git', added: 'by-commit' });
  });

  it('refuses bad rules and contradictory policies, naming what is wrong, and keeps what is stored', async () => {
    const bad = await api.patch('/api/v1/applications/dr-ptr', { ignoreDifferences: [{ kind: 'Deployment', jsonPointers: ['/spec/replicas', 'spec/template'] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('ignoreDifferences[0].jsonPointers[1]: "spec/template" is not a JSON pointer');
    expect((await api.patch('/api/v1/applications/dr-ptr', { ignoreDifferences: [{ kind: 'Deployment' }] })).body.message).toContain('give jsonPointers or managedFieldsManagers');
    const contradiction = await api.patch('/api/v1/applications/dr-ptr', { syncPolicy: { selfHeal: false, onDrift: 'heal' } });
    expect(contradiction.status).toBe(400);
    expect(contradiction.body.message).toContain('disagree');
    const rollout = await api.patch('/api/v1/applications/dr-ptr', { syncPolicy: { mode: 'reportOnly' }, rollout: { waves: [{ name: 'one', clusters: ['dr-ptr-c'] }] } });
    expect(rollout.status).toBe(400);
    expect(rollout.body.message).toContain('reportOnly');
    const stored = await getApplication(api, 'dr-ptr');
    expect(stored.ignoreDifferences).toEqual([{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }]);
    expect(stored.syncPolicy).toMatchObject({ selfHeal: true, onDrift: 'heal', mode: 'apply' });
  });
});
