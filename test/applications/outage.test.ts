// Targets chosen by cluster labels: a cluster relabelled out of the selector leaves the fan-out
// (its objects pruned), and back in it returns; a cluster whose API server goes down stays in the
// fan-out as Unknown — nothing pruned, the other cluster still syncing — and converges by itself
// once it is back. Cluster `b` is this file's own test bed, so its API server can be stopped.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, TestRepository } from '../support/git-server';
import {
  announcePush,
  clusterBody,
  configMapYaml,
  describeTargets,
  getApplication,
  getNamespace,
  getObject,
  sleep,
  SYNC_ENV,
  targetKey,
  TargetView,
  waitForTargets,
} from '../support/workloads';
import { TestBed, TestCluster } from '../testbed/cluster';

const [east] = inject('clusters');
const ADMIN = 'outage-test-admin-token-0123456789';
const HOOK_SECRET = 'outage-webhook-secret-0123456789';
const APP = 'og-web';
const REPO = 'og-deploy';
const NS = 'og-web';
const BOTH = ['a/og-web', 'b/og-web'];

describe('an application over clusters that leave the fan-out or go down', () => {
  let bed: TestBed;
  let b: TestCluster;
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let admin: ApiClient;
  const sha = { first: '', second: '' };

  const settled = (revision: () => string) => (t: TargetView) => t.sync === 'Synced' && t.health === 'Healthy' && t.revision?.sha === revision();
  const objectsIn = async (kube: TestCluster) => ({
    settings: (await getObject(kube, 'ConfigMap', NS, 'og-settings'))?.data?.version ?? null,
    extra: (await getObject(kube, 'ConfigMap', NS, 'og-extra')) !== null,
  });

  beforeAll(async () => {
    bed = await TestBed.start({ names: ['outage-b'] });
    b = bed.get('outage-b');
    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    sha.first = await repo.commit(
      {
        'apps/web/settings.yaml': configMapYaml('og-settings', { version: '1' }),
        'apps/web/extra.yaml': configMapYaml('og-extra', { kept: 'yes' }),
      },
      { message: 'first' },
    );
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    for (const [name, kube] of [
      ['a', east],
      ['b', b],
    ] as const) {
      const res = await admin.post('/api/v1/clusters', clusterBody(name, kube, { env: 'canary' }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    expect((await admin.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET })).status).toBe(201);
    const created = await admin.post('/api/v1/applications', {
      name: APP,
      repository: REPO,
      path: 'apps/web',
      destinations: [{ clusterSelector: { matchLabels: { env: 'canary' } }, namespace: NS }],
      syncPolicy: { automated: true, prune: true, selfHeal: true, intervalSeconds: 2 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
    await bed?.stop();
  });

  it('deploys to both canary clusters', async () => {
    await waitForTargets(
      admin,
      APP,
      BOTH,
      settled(() => sha.first),
      'both targets synced',
    );
    expect(await objectsIn(east)).toEqual({ settings: '1', extra: true });
    expect(await objectsIn(b)).toEqual({ settings: '1', extra: true });
  }, 120_000);

  it('drops a cluster relabelled out of the selector, pruning its objects there, and takes it back when relabelled in', async () => {
    const out = await admin.patch('/api/v1/clusters/b', { labels: { env: 'other' } });
    expect(out.status, JSON.stringify(out.body)).toBe(200);
    await waitForTargets(
      admin,
      APP,
      ['a/og-web'],
      settled(() => sha.first),
      'only the target on a left',
    );
    await eventually(
      'objects pruned on b',
      () => objectsIn(b),
      (o) => o.settings === null && !o.extra,
      30_000,
      250,
    );
    expect(await getNamespace(b, NS), 'the namespace stays').not.toBeNull();
    expect(await objectsIn(east)).toEqual({ settings: '1', extra: true });

    const back = await admin.patch('/api/v1/clusters/b', { labels: { env: 'canary' } });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    await waitForTargets(
      admin,
      APP,
      BOTH,
      settled(() => sha.first),
      'the target on b back and synced',
    );
    expect(await objectsIn(b)).toEqual({ settings: '1', extra: true });
  }, 120_000);

  it('shows a cluster that is down as Unknown, prunes nothing, keeps syncing the other, and converges by itself once it is back', async () => {
    // every view of the application while b is in trouble: b's target must never leave the fan-out
    const seen: TargetView[][] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        seen.push((await getApplication(admin, APP)).status.targets);
        await sleep(250);
      }
    })();
    try {
      await bed.stopCluster('outage-b');
      await eventually(
        'cluster b Unreachable',
        () => admin.get('/api/v1/clusters/b'),
        (r) => r.body.status.phase === 'Unreachable',
        30_000,
      );
      const down = await waitForTargets(
        admin,
        APP,
        BOTH,
        (t) => (t.cluster === 'b' ? t.sync === 'Unknown' && t.health === 'Unknown' : t.sync === 'Synced'),
        'b Unknown, a Synced',
        30_000,
      );
      const bTarget = (down.status.targets as TargetView[]).find((t) => t.cluster === 'b')!;
      expect(bTarget.message ?? '', 'says why').toMatch(/unreachable|ECONNREFUSED|connect/i);
      expect(down.status.summary).toMatchObject({ targets: 2, synced: 1, unknown: 1 });
      expect(await objectsIn(east)).toEqual({ settings: '1', extra: true });

      // a new commit while b is down: a takes it
      sha.second = await repo.commit({ 'apps/web/settings.yaml': configMapYaml('og-settings', { version: '2' }) }, { message: 'second' });
      const pushed = await announcePush(running.baseUrl, server.url(REPO), sha.second, HOOK_SECRET);
      expect(pushed.status, JSON.stringify(pushed.body)).toBe(202);
      const moved = await waitForTargets(admin, APP, BOTH, (t) => t.cluster === 'b' || settled(() => sha.second)(t), 'a at the new commit while b is down');
      expect((moved.status.targets as TargetView[]).find((t) => t.cluster === 'b')?.sync, 'b while down').toBe('Unknown');
      expect(await objectsIn(east)).toEqual({ settings: '2', extra: true });

      await bed.restartCluster('outage-b');
      // nothing was deleted on b while it was away
      expect((await objectsIn(b)).extra).toBe(true);
      expect(await getNamespace(b, NS)).not.toBeNull();
      await waitForTargets(
        admin,
        APP,
        BOTH,
        settled(() => sha.second),
        'b converged to the newest commit by itself',
        120_000,
      );
      expect(await objectsIn(b)).toEqual({ settings: '2', extra: true });
      expect(await objectsIn(east)).toEqual({ settings: '2', extra: true });
      // b's live cache lost its watches with the API server and came back by itself
      const metrics = await (await fetch(`${running.baseUrl}/metrics`)).text();
      const restarts = [...metrics.matchAll(/^flotilla_watch_restarts_total\{cluster="b",why="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(restarts, 'watch restarts on b').toBeGreaterThan(0);
      expect(metrics).toMatch(/^flotilla_live_cache_objects\{cluster="b"\} [1-9]/m);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(seen.length).toBeGreaterThan(10);
    const lost = seen.filter((targets) => JSON.stringify(targets.map(targetKey)) !== JSON.stringify(BOTH));
    expect(lost.map(describeTargets), 'views in which a target had left the fan-out').toEqual([]);
    const aUnknown = seen.filter((targets) => targets.some((t) => t.cluster === 'a' && t.sync === 'Unknown'));
    expect(aUnknown.map(describeTargets), 'views in which a was Unknown').toEqual([]);
    const leaving = seen.filter((targets) => targets.some((t) => t.leaving));
    expect(leaving.map(describeTargets), 'views in which a target was leaving').toEqual([]);
  }, 300_000);
});
