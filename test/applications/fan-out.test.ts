// One application fanned out over two real clusters: three destinations, four targets, moved by
// signed pushes, healing drift, pruning, rolled back and pinned, and deleted with its objects.
// The shared clusters are used by other files at the same time: every namespace here starts
// with `fo-`, and the clusters are registered in this file's own service as `a` and `b`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, ApiResponse, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, TestRepository } from '../support/git-server';
import {
  allRuns,
  announcePush,
  clusterBody,
  configMapYaml,
  createObject,
  deleteObject,
  deploymentYaml,
  editObject,
  getApplication,
  getNamespace,
  getObject,
  markDeploymentReady,
  namesOfApplication,
  serviceYaml,
  sleep,
  SYNC_ENV,
  targetKey,
  TargetView,
  waitForTargets,
} from '../support/workloads';
import type { TestCluster } from '../testbed/cluster';

const [east, west] = inject('clusters');
const ADMIN = 'fan-out-test-admin-token-0123456789';
const HOOK_SECRET = 'fan-out-webhook-secret-0123456789';
const APP = 'fo-web';
const REPO = 'fo-deploy';
const AUTHOR = { name: 'Ada Lovelace', email: 'ada@example.test' };

/** The four targets the three destinations expand to, sorted by cluster and namespace. */
const TARGETS: { cluster: string; namespace: string; kube: TestCluster }[] = [
  { cluster: 'a', namespace: 'fo-team-1', kube: east },
  { cluster: 'a', namespace: 'fo-team-2', kube: east },
  { cluster: 'a', namespace: 'fo-web-a', kube: east },
  { cluster: 'b', namespace: 'fo-web-b', kube: west },
];
const KEYS = TARGETS.map(targetKey);
const at = (key: string) => TARGETS.find((t) => targetKey(t) === key)!;

const settings = (color: string) => configMapYaml('fo-settings', { color, size: 'm' }, { app: 'fo-web' });
const colorIn = async (t: (typeof TARGETS)[number]) => (await getObject(t.kube, 'ConfigMap', t.namespace, 'fo-settings'))?.data?.color;
const everywhere = async <T>(probe: (t: (typeof TARGETS)[number]) => Promise<T>) => Promise.all(TARGETS.map(probe));

describe('an application fanned out to four targets on two clusters', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let admin: ApiClient;
  let created: ApiResponse;
  const sha: Record<'first' | 'green' | 'noService' | 'purple', string> = { first: '', green: '', noService: '', purple: '' };

  const push = async (after: string) => {
    const res = await announcePush(running.baseUrl, server.url(REPO), after, HOOK_SECRET);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ accepted: true, repositories: [REPO] });
  };
  const settled = (revision: () => string) => (t: TargetView) => t.sync === 'Synced' && t.health === 'Healthy' && t.revision?.sha === revision();

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    sha.first = await repo.commit(
      {
        'apps/web/configmap.yaml': settings('blue'),
        'apps/web/deployment.yaml': deploymentYaml('fo-server'),
        'apps/web/service.yaml': serviceYaml('fo-server'),
        'apps/manual/configmap.yaml': configMapYaml('fo-manual-settings', { mode: 'strict' }),
        'apps/neighbour/configmap.yaml': configMapYaml('fo-neighbour-settings', { owner: 'neighbour' }),
        'README.md': '# deploy\n',
      },
      { message: 'web: first version', author: AUTHOR },
    );
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    for (const [name, kube] of [
      ['a', east],
      ['b', west],
    ] as const) {
      const res = await admin.post('/api/v1/clusters', clusterBody(name, kube, { env: 'staging' }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.status.phase).toBe('Connected');
    }
    const registered = await admin.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    created = await admin.post('/api/v1/applications', {
      name: APP,
      labels: { team: 'web' },
      repository: REPO,
      path: 'apps/web',
      destinations: [
        { cluster: 'a', namespace: 'fo-team-1' },
        { cluster: 'a', namespace: 'fo-team-2' },
        { clusterSelector: { matchLabels: { env: 'staging' } }, namespace: 'fo-web-{{cluster.name}}' },
      ],
      syncPolicy: { automated: true, prune: true, selfHeal: true, intervalSeconds: 2 },
    });
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('answers the creation with the application, its sync policy filled with the defaults', () => {
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: APP, labels: { team: 'web' }, repository: REPO, path: 'apps/web', pinned: null, deletion: null });
    expect(created.body.destinations).toHaveLength(3);
    expect(created.body.syncPolicy).toEqual({
      automated: true,
      prune: true,
      selfHeal: true,
      intervalSeconds: 2,
      adopt: false,
      pruneAdopted: false,
      clusterResources: ['Namespace'],
      mode: 'apply',
      onDrift: 'heal',
    });
  });

  it('deploys to exactly four targets, Progressing until the Deployments roll out, then Synced and Healthy at the commit', async () => {
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // nothing has written the Deployments' status yet: applied, but still rolling out
    const progressing = await waitForTargets(
      admin,
      APP,
      KEYS,
      (t) => t.sync === 'Synced' && t.revision?.sha === sha.first && t.health === 'Progressing',
      'four targets applied, Progressing',
    );
    expect(progressing.status.targets.map(targetKey)).toEqual(KEYS);
    for (const t of progressing.status.targets as TargetView[]) {
      expect(
        t.resources?.find((r) => r.kind === 'Deployment'),
        targetKey(t),
      ).toMatchObject({ name: 'fo-server', health: 'Progressing' });
    }

    // what the deployment controller would write once the pods run
    await everywhere((t) => markDeploymentReady(t.kube, t.namespace, 'fo-server'));
    const healthy = await waitForTargets(
      admin,
      APP,
      KEYS,
      settled(() => sha.first),
      'four targets Synced and Healthy',
    );

    expect(healthy.status.summary).toMatchObject({ targets: 4, synced: 4, outOfSync: 0, unknown: 0, healthy: 4, progressing: 0, degraded: 0, missing: 0 });
    // four targets, one commit, one path: rendered once, not once per target or per check
    const metrics = await (await fetch(`${running.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(metrics).toMatch(/^flotilla_renders_total 1$/m);
    for (const t of healthy.status.targets as TargetView[]) {
      const key = targetKey(t);
      expect(t, key).toMatchObject({
        desiredRevision: sha.first,
        leaving: false,
        failures: 0,
        revision: { sha: sha.first, subject: 'web: first version', author: expect.stringContaining('Ada Lovelace') },
        lastSyncRun: { phase: 'Succeeded' },
      });
      expect(t.revision!.shortSha.length, key).toBeGreaterThanOrEqual(7);
      expect(sha.first.startsWith(t.revision!.shortSha), key).toBe(true);
      const resources = t.resources!.map((r) => `${r.group}/${r.version} ${r.kind} ${r.namespace}/${r.name} ${r.sync} ${r.health}`).sort();
      expect(resources, key).toEqual([
        `/v1 ConfigMap ${t.namespace}/fo-settings Synced Healthy`,
        `/v1 Service ${t.namespace}/fo-server Synced Healthy`,
        `apps/v1 Deployment ${t.namespace}/fo-server Synced Healthy`,
      ]);
    }

    // in the clusters: every object, labelled and tracked as this target's
    for (const t of TARGETS) {
      for (const [kind, name] of [
        ['ConfigMap', 'fo-settings'],
        ['Deployment', 'fo-server'],
        ['Service', 'fo-server'],
      ]) {
        const live = await getObject(t.kube, kind, t.namespace, name);
        expect(live, `${kind} ${name} in ${targetKey(t)}`).not.toBeNull();
        expect(live.metadata.labels, `${kind} ${name} in ${targetKey(t)}`).toMatchObject({ 'app.kubernetes.io/managed-by': 'flotilla', 'flotilla.io/application': APP });
        expect(live.metadata.annotations?.['flotilla.io/tracking-id'], `${kind} ${name} in ${targetKey(t)}`).toBe(`${APP}:${t.namespace}`);
      }
      const cm = await getObject(t.kube, 'ConfigMap', t.namespace, 'fo-settings');
      expect(cm.metadata.labels.app).toBe('fo-web');
      expect(cm.data).toEqual({ color: 'blue', size: 'm' });
    }
  }, 180_000);

  it("creates the target namespaces, tracked as shared by the application's targets on that cluster (SPEC §3 Place)", async () => {
    for (const t of TARGETS) {
      const ns = await getNamespace(t.kube, t.namespace);
      expect(ns, `namespace ${targetKey(t)}`).not.toBeNull();
      expect(ns.metadata.labels?.['app.kubernetes.io/managed-by'], `namespace ${targetKey(t)}`).toBe('flotilla');
      expect(ns.metadata.annotations?.['flotilla.io/tracking-id'], `namespace ${targetKey(t)}`).toBe(`${APP}:_cluster`);
    }
  });

  it('moves every target to a commit announced by a signed GitHub push, recorded as a webhook run', async () => {
    sha.green = await repo.commit({ 'apps/web/configmap.yaml': settings('green') }, { message: 'web: go green', author: AUTHOR });
    await push(sha.green);
    const app = await waitForTargets(
      admin,
      APP,
      KEYS,
      settled(() => sha.green),
      'every target at the pushed commit',
    );
    for (const t of app.status.targets as TargetView[]) expect(t.revision, targetKey(t)).toMatchObject({ sha: sha.green, subject: 'web: go green' });
    expect(await everywhere(colorIn)).toEqual(['green', 'green', 'green', 'green']);

    for (const t of TARGETS) {
      const runs = (await allRuns(admin, APP, t)).filter((r) => r.revision === sha.green && r.trigger === 'webhook');
      expect(runs.length, `webhook runs of ${targetKey(t)}`).toBeGreaterThanOrEqual(1);
      // the oldest of them did the work (any later one found nothing to change)
      const run = runs[runs.length - 1];
      expect(run, targetKey(t)).toMatchObject({
        application: APP,
        cluster: t.cluster,
        namespace: t.namespace,
        phase: 'Succeeded',
        counts: { created: 0, configured: 1, unchanged: 2, pruned: 0, failed: 0 },
      });
      expect(run.finishedAt).not.toBeNull();
      expect(run.changes, targetKey(t)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'ConfigMap', name: 'fo-settings', action: 'configured' })]));
    }
  }, 120_000);

  it('puts back hand edits and deleted objects with selfHeal on; leaves them, OutOfSync, with selfHeal off', async () => {
    await editObject(east, 'ConfigMap', 'fo-team-1', 'fo-settings', { data: { color: 'hand-edited' } });
    await editObject(west, 'ConfigMap', 'fo-web-b', 'fo-settings', { data: { color: 'hand-edited' } });
    await deleteObject(east, 'Service', 'fo-team-2', 'fo-server');
    expect(await colorIn(at('a/fo-team-1'))).toBe('hand-edited');

    await eventually(
      'hand edits and the deleted Service put back',
      async () => ({
        colors: await everywhere(colorIn),
        service: (await getObject(east, 'Service', 'fo-team-2', 'fo-server')) !== null,
      }),
      (s) => s.colors.every((c) => c === 'green') && s.service,
      60_000,
      250,
    );
    await waitForTargets(
      admin,
      APP,
      KEYS,
      settled(() => sha.green),
      'every target Synced again after self-heal',
    );
    for (const key of ['a/fo-team-1', 'a/fo-team-2', 'b/fo-web-b']) {
      const runs = await allRuns(admin, APP, at(key));
      expect(
        runs.filter((r) => r.trigger === 'selfHeal' && r.revision === sha.green).map((r) => r.phase),
        `selfHeal runs of ${key}`,
      ).toContain('Succeeded');
    }

    // a second application, selfHeal off, in its own namespace
    const manual = await admin.post('/api/v1/applications', {
      name: 'fo-manual',
      repository: REPO,
      path: 'apps/manual',
      destinations: [{ cluster: 'a', namespace: 'fo-manual' }],
      syncPolicy: { automated: true, prune: true, selfHeal: false, intervalSeconds: 2 },
    });
    expect(manual.status, JSON.stringify(manual.body)).toBe(201);
    await waitForTargets(admin, 'fo-manual', ['a/fo-manual'], (t) => t.sync === 'Synced' && t.revision?.sha === sha.green, 'fo-manual synced');
    const runsBefore = await allRuns(admin, 'fo-manual');
    await editObject(east, 'ConfigMap', 'fo-manual', 'fo-manual-settings', { data: { mode: 'relaxed' } });

    const drifted = await waitForTargets(admin, 'fo-manual', ['a/fo-manual'], (t) => t.sync === 'OutOfSync', 'fo-manual OutOfSync after a hand edit');
    const [target] = drifted.status.targets as TargetView[];
    expect(target.resources?.find((r) => r.kind === 'ConfigMap' && r.name === 'fo-manual-settings')?.sync).toBe('OutOfSync');
    expect(drifted.status.summary).toMatchObject({ targets: 1, synced: 0, outOfSync: 1 });
    // two more intervals: still the hand's value, no run of any kind
    await sleep(5_000);
    expect((await getObject(east, 'ConfigMap', 'fo-manual', 'fo-manual-settings')).data).toEqual({ mode: 'relaxed' });
    expect((await getApplication(admin, 'fo-manual')).status.targets[0].sync).toBe('OutOfSync');
    const runsAfter = await allRuns(admin, 'fo-manual');
    expect(runsAfter.map((r) => r.id)).toEqual(runsBefore.map((r) => r.id));
  }, 180_000);

  it('prunes a file deleted in git from every target, keeping the rest and what it does not own', async () => {
    await createObject(east, 'ConfigMap', 'fo-team-1', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'fo-handmade', labels: { owner: 'ops' } },
      data: { made: 'by hand' },
    });
    sha.noService = await repo.commit({ 'apps/web/service.yaml': null }, { message: 'web: drop the service', author: AUTHOR });
    await push(sha.noService);
    const app = await waitForTargets(
      admin,
      APP,
      KEYS,
      settled(() => sha.noService),
      'every target at the commit without the Service',
    );
    for (const t of app.status.targets as TargetView[]) {
      expect(t.resources!.map((r) => `${r.kind}/${r.name}`).sort(), targetKey(t)).toEqual(['ConfigMap/fo-settings', 'Deployment/fo-server']);
    }
    await eventually(
      'the Service pruned everywhere',
      () => everywhere((t) => getObject(t.kube, 'Service', t.namespace, 'fo-server')),
      (s) => s.every((x) => x === null),
      30_000,
      250,
    );
    for (const t of TARGETS) {
      expect(await namesOfApplication(t.kube, 'ConfigMap', t.namespace, APP), targetKey(t)).toEqual(['fo-settings']);
      expect(await namesOfApplication(t.kube, 'Deployment', t.namespace, APP), targetKey(t)).toEqual(['fo-server']);
      const runs = (await allRuns(admin, APP, t)).filter((r) => r.revision === sha.noService);
      expect(
        runs.reduce((n, r) => n + r.counts.pruned, 0),
        `objects pruned in ${targetKey(t)}`,
      ).toBe(1);
    }
    const handmade = await getObject(east, 'ConfigMap', 'fo-team-1', 'fo-handmade');
    expect(handmade?.data).toEqual({ made: 'by hand' });
    expect(handmade.metadata.annotations?.['flotilla.io/tracking-id']).toBeUndefined();
  }, 120_000);

  it("rolls every target back to an earlier run's revision and stays pinned through new commits until unpinned", async () => {
    const firstRun = (await allRuns(admin, APP, at('a/fo-team-1'))).find((r) => r.revision === sha.first && r.phase === 'Succeeded');
    expect(firstRun, 'a run at the first revision').toBeDefined();
    const rolled = await admin.post(`/api/v1/applications/${APP}/rollback`, { syncRunId: firstRun!.id });
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(202);
    expect(rolled.body.revision).toBe(sha.first);
    expect(rolled.body.queued.map(targetKey).sort()).toEqual(KEYS);

    const back = await waitForTargets(
      admin,
      APP,
      KEYS,
      settled(() => sha.first),
      'every target back at the first revision',
    );
    expect(back.pinned).toMatchObject({ revision: sha.first, syncRunId: firstRun!.id });
    expect(Number.isNaN(Date.parse(back.pinned.at))).toBe(false);
    for (const t of back.status.targets as TargetView[]) expect(t.desiredRevision, targetKey(t)).toBe(sha.first);
    expect(await everywhere(colorIn)).toEqual(['blue', 'blue', 'blue', 'blue']);
    // the first revision has the Service: it is back too
    expect((await everywhere((t) => getObject(t.kube, 'Service', t.namespace, 'fo-server'))).every((s) => s !== null)).toBe(true);
    for (const t of TARGETS) {
      const runs = await allRuns(admin, APP, t);
      expect(
        runs.some((r) => r.trigger === 'rollback' && r.revision === sha.first && r.phase === 'Succeeded'),
        `rollback run of ${targetKey(t)}`,
      ).toBe(true);
    }

    // a new commit, announced: the repository moves, the application does not
    sha.purple = await repo.commit({ 'apps/web/configmap.yaml': settings('purple') }, { message: 'web: go purple', author: AUTHOR });
    await push(sha.purple);
    await eventually(
      'the repository at the new commit',
      () => admin.get(`/api/v1/repositories/${REPO}`),
      (r) => r.body.status.revision === sha.purple,
      30_000,
    );
    await sleep(6_000); // three intervals
    const pinned = await getApplication(admin, APP);
    expect(pinned.pinned).toMatchObject({ revision: sha.first, syncRunId: firstRun!.id });
    for (const t of pinned.status.targets as TargetView[]) {
      expect([t.sync, t.revision?.sha, t.desiredRevision], targetKey(t)).toEqual(['Synced', sha.first, sha.first]);
    }
    expect(await everywhere(colorIn)).toEqual(['blue', 'blue', 'blue', 'blue']);

    // unpinned: back to following the branch, at its newest commit
    const unpinned = await admin.patch(`/api/v1/applications/${APP}`, { revision: null });
    expect(unpinned.status, JSON.stringify(unpinned.body)).toBe(200);
    expect(unpinned.body.pinned).toBeNull();
    await waitForTargets(
      admin,
      APP,
      KEYS,
      settled(() => sha.purple),
      'every target at the newest commit after unpinning',
    );
    expect(await everywhere(colorIn)).toEqual(['purple', 'purple', 'purple', 'purple']);
    await eventually(
      'the Service pruned again',
      () => everywhere((t) => getObject(t.kube, 'Service', t.namespace, 'fo-server')),
      (s) => s.every((x) => x === null),
      30_000,
      250,
    );
  }, 180_000);

  it('audits the start and the end of every sync run', async () => {
    await waitForTargets(admin, APP, KEYS, (t) => t.sync === 'Synced' && t.lastSyncRun?.phase !== 'Running', 'no run in flight');
    for (const t of TARGETS) {
      const subject = `${APP}/${t.cluster}/${t.namespace}`;
      const audited = async (action: string) => {
        const res = await admin.get(`/api/v1/audit?action=${action}&subject=${encodeURIComponent(subject)}&limit=500`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.items as { action: string; subject: string; outcome: string }[];
      };
      const runs = await allRuns(admin, APP, t);
      const [started, finished] = [await audited('syncrun.started'), await audited('syncrun.finished')];
      expect(runs.length, subject).toBeGreaterThanOrEqual(5);
      expect(started.every((e) => e.subject === subject && e.action === 'syncrun.started')).toBe(true);
      expect(finished.every((e) => e.subject === subject && e.action === 'syncrun.finished')).toBe(true);
      expect(started.length, `syncrun.started entries of ${subject}`).toBe(runs.length);
      expect(finished.length, `syncrun.finished entries of ${subject}`).toBe(runs.filter((r) => r.phase !== 'Running').length);
    }
  }, 60_000);

  it('deletes with cascade every object it deployed on every target, and nothing else', async () => {
    const neighbour = await admin.post('/api/v1/applications', {
      name: 'fo-neighbour',
      repository: REPO,
      path: 'apps/neighbour',
      destinations: [{ cluster: 'a', namespace: 'fo-team-1' }],
      syncPolicy: { intervalSeconds: 2 },
    });
    expect(neighbour.status, JSON.stringify(neighbour.body)).toBe(201);
    await waitForTargets(admin, 'fo-neighbour', ['a/fo-team-1'], (t) => t.sync === 'Synced' && t.revision?.sha === sha.purple, 'fo-neighbour synced');

    const deleting = await admin.delete(`/api/v1/applications/${APP}?cascade=true`);
    expect(deleting.status, JSON.stringify(deleting.body)).toBe(202);
    expect(deleting.body).toMatchObject({ name: APP, deletion: { cascade: true } });
    expect(Number.isNaN(Date.parse(deleting.body.deletion.startedAt))).toBe(false);
    const during = await admin.get(`/api/v1/applications/${APP}`);
    expect([200, 404]).toContain(during.status);
    if (during.status === 200) expect(during.body.deletion).toMatchObject({ cascade: true });
    await eventually(
      'the application gone',
      () => admin.get(`/api/v1/applications/${APP}`),
      (r) => r.status === 404,
      60_000,
      250,
    );

    for (const t of TARGETS) {
      for (const kind of ['ConfigMap', 'Deployment', 'Service']) {
        expect(await namesOfApplication(t.kube, kind, t.namespace, APP), `${kind}s of ${APP} in ${targetKey(t)}`).toEqual([]);
      }
      expect(await getObject(t.kube, 'ConfigMap', t.namespace, 'fo-settings'), targetKey(t)).toBeNull();
      expect(await getObject(t.kube, 'Deployment', t.namespace, 'fo-server'), targetKey(t)).toBeNull();
      // namespaces are never deleted: that would delete everything in them
      const ns = await getNamespace(t.kube, t.namespace);
      expect(ns?.status?.phase, `namespace ${targetKey(t)}`).toBe('Active');
    }
    expect((await getObject(east, 'ConfigMap', 'fo-team-1', 'fo-handmade'))?.data).toEqual({ made: 'by hand' });
    const theirs = await getObject(east, 'ConfigMap', 'fo-team-1', 'fo-neighbour-settings');
    expect(theirs?.metadata.annotations?.['flotilla.io/tracking-id']).toBe('fo-neighbour:fo-team-1');
    // (re-applied as a whole by the new commits since, so its hand edit is gone; but it is there)
    expect((await getObject(east, 'ConfigMap', 'fo-manual', 'fo-manual-settings'))?.metadata.annotations?.['flotilla.io/tracking-id']).toBe('fo-manual:fo-manual');

    const listed = await admin.get('/api/v1/applications');
    expect(listed.body.items.map((a: { name: string }) => a.name)).toEqual(['fo-manual', 'fo-neighbour']);
    expect((await getApplication(admin, 'fo-neighbour')).status.targets[0]).toMatchObject({ cluster: 'a', namespace: 'fo-team-1', sync: 'Synced' });
  }, 120_000);
});
