// A cluster that is registered but cannot be reached keeps its targets through every recomputation
// of the fan-out — the application created, edited, and another cluster relabelled — so a read
// that fails can never turn into targets leaving and their objects being pruned (argo-cd #18480).
// Cluster `up` is a shared test-bed cluster; `down` points at a loopback port nothing listens on.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { freePort } from '../support/ports';
import { clusterBody, configMapYaml, describeTargets, getApplication, sleep, SYNC_ENV, targetKey, TargetView } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'unreachable-fan-out-admin-token-0123456789';
const APP = 'uf-web';
const REPO = 'uf-deploy';
const NS = 'uf-web';
const BOTH = ['down/uf-web', 'up/uf-web'];

describe('an application over a reachable and an unreachable cluster', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;

  const targetsNow = async () => (await getApplication(admin, APP)).status.targets as TargetView[];

  beforeAll(async () => {
    server = await GitHttpServer.start();
    const repo = await server.createRepository(REPO);
    await repo.commit({ 'apps/web/settings.yaml': configMapYaml('uf-settings', { version: '1' }) }, { message: 'first' });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    const up = await admin.post('/api/v1/clusters', clusterBody('up', east, { fleet: 'uf' }));
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.status.phase).toBe('Connected');
    // a closed port on loopback: the connection is refused, every time
    const closed = await freePort();
    const down = await admin.post('/api/v1/clusters', { ...clusterBody('down', east, { fleet: 'uf' }), server: `https://127.0.0.1:${closed}` });
    expect(down.status, JSON.stringify(down.body)).toBe(201);
    expect(down.body.status.phase).toBe('Unreachable');
    expect((await admin.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600 })).status).toBe(201);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it("keeps the unreachable cluster's target when the application is created, edited, and another cluster is relabelled", async () => {
    const seen: TargetView[][] = [];
    const look = async (step: string) => {
      const targets = await targetsNow();
      seen.push(targets);
      expect(targets.map(targetKey), `targets after ${step}`).toEqual(BOTH);
      expect(targets.filter((t) => t.leaving).map(targetKey), `targets leaving after ${step}`).toEqual([]);
    };

    const created = await admin.post('/api/v1/applications', {
      name: APP,
      repository: REPO,
      path: 'apps/web',
      destinations: [{ clusterSelector: { matchLabels: { fleet: 'uf' } }, namespace: NS }],
      syncPolicy: { automated: true, prune: true, selfHeal: true, intervalSeconds: 2 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await look('creating the application');
    // the reachable one syncs, so it holds an inventory: a target that left would be pruned, not dropped
    await eventually(
      'up synced, down Unknown',
      targetsNow,
      (ts) => ts.some((t) => t.cluster === 'up' && t.sync === 'Synced') && ts.some((t) => t.cluster === 'down' && t.sync === 'Unknown'),
      60_000,
    );
    await look('the first runs');

    const edited = await admin.patch(`/api/v1/applications/${APP}`, { syncPolicy: { automated: true, prune: true, selfHeal: true, intervalSeconds: 3 } });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    await look('editing the application');

    const relabelled = await admin.patch('/api/v1/clusters/up', { labels: { fleet: 'uf', tier: 'gold' } });
    expect(relabelled.status, JSON.stringify(relabelled.body)).toBe(200);
    // the registry change re-expands every application after the response: give it time
    for (let i = 0; i < 8; i++) {
      await sleep(250);
      await look('relabelling the other cluster');
    }
    const down = (await targetsNow()).find((t) => t.cluster === 'down')!;
    expect(down.sync).toBe('Unknown');
    expect(seen.flatMap((ts) => (JSON.stringify(ts.map(targetKey)) === JSON.stringify(BOTH) ? [] : [describeTargets(ts)]))).toEqual([]);
  }, 120_000);
});
