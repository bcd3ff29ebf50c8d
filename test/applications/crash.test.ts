// The service killed outright (SIGKILL, no shutdown hook runs) in the middle of a fan-out over 24
// targets, then started again on the same data directory: runs cut off are Interrupted, every
// target converges, and no target ever had two runs at once — before, across or after the crash.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, apiClient } from '../support/api';
import { eventually } from '../support/eventually';
import { GitHttpServer, TestRepository } from '../support/git-server';
import { ServiceProcess } from '../support/service-process';
import { allRuns, clusterBody, configMapYaml, getApplication, namesOfApplication, SYNC_ENV, SyncRunView, targetKey, TargetView, waitForTargets } from '../support/workloads';

const [east, west] = inject('clusters');
const ADMIN = 'crash-test-admin-token-0123456789';
const APP = 'cr-many';
const REPO = 'cr-deploy';
const PER_CLUSTER = 12;
const CONFIG_MAPS = 15;
const ENV = {
  ...SYNC_ENV,
  FLOTILLA_ADMIN_TOKEN: ADMIN,
  // start-up is known by its "flotilla listening" line, logged at info
  FLOTILLA_LOG_LEVEL: 'info',
  // the same key across the restart: the cluster credentials are stored encrypted under it
  FLOTILLA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  FLOTILLA_SYNC__CONCURRENCY: '2',
  FLOTILLA_SYNC__PER_CLUSTER_CONCURRENCY: '2',
  // one object at a time within a run, so a fan-out lasts long enough to be cut off in the middle
  FLOTILLA_SYNC__ENGINE_CONCURRENCY: '1',
};

const pad = (n: number) => String(n).padStart(2, '0');
const NAMESPACES = { east: [] as string[], west: [] as string[] };
for (let i = 1; i <= PER_CLUSTER; i++) {
  NAMESPACES.east.push(`cr-east-${pad(i)}`);
  NAMESPACES.west.push(`cr-west-${pad(i)}`);
}
const KEYS = [...NAMESPACES.east.map((ns) => `east/${ns}`), ...NAMESPACES.west.map((ns) => `west/${ns}`)];

describe('a crash in the middle of a fan-out', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let dataDir: string;
  let first: ServiceProcess | undefined;
  let second: ServiceProcess | undefined;
  let head: string;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    const files: Record<string, string> = {};
    for (let i = 1; i <= CONFIG_MAPS; i++) {
      files[`apps/many/cm-${pad(i)}.yaml`] = configMapYaml(`cr-config-${pad(i)}`, { index: String(i), text: `value ${i} `.repeat(40) });
    }
    head = await repo.commit(files, { message: 'fifteen config maps' });
    dataDir = mkdtempSync(join(tmpdir(), 'flotilla-crash-'));
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('marks the runs cut off Interrupted, converges every target after the restart, and never overlaps two runs of a target', async () => {
    first = await ServiceProcess.start({ dataDir, env: ENV });
    let api: ApiClient = apiClient(first.baseUrl, ADMIN);
    for (const [name, kube] of [
      ['east', east],
      ['west', west],
    ] as const) {
      const res = await api.post('/api/v1/clusters', clusterBody(name, kube));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    expect((await api.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600 })).status).toBe(201);
    const created = await api.post('/api/v1/applications', {
      name: APP,
      repository: REPO,
      path: 'apps/many',
      destinations: [...NAMESPACES.east.map((namespace) => ({ cluster: 'east', namespace })), ...NAMESPACES.west.map((namespace) => ({ cluster: 'west', namespace }))],
      syncPolicy: { automated: true, prune: true, intervalSeconds: 2 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // some targets done, not all, and a run in flight: now
    const caught = await eventually(
      'a fan-out under way with a run in flight',
      async () => {
        const app = await getApplication(api, APP);
        const history = await api.get(`/api/v1/applications/${APP}/history?limit=5`);
        const synced = (app.status.targets as TargetView[]).filter((t) => t.revision?.sha === head).length;
        const running = (history.body.items as SyncRunView[]).filter((r) => r.phase === 'Running').length;
        return { targets: app.status.targets.length, synced, running };
      },
      (s) => s.targets === KEYS.length && s.synced >= 1 && s.synced < KEYS.length && s.running >= 1,
      60_000,
      20,
    );
    const exit = await first.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    expect(caught.synced).toBeLessThan(KEYS.length);

    second = await ServiceProcess.start({ dataDir, env: ENV });
    api = apiClient(second.baseUrl, ADMIN);
    const done = await waitForTargets(
      api,
      APP,
      KEYS,
      (t) => t.sync === 'Synced' && t.revision?.sha === head && t.lastSyncRun?.phase === 'Succeeded',
      'every target converged after the restart',
      180_000,
    );
    expect(done.status.summary).toMatchObject({ targets: KEYS.length, synced: KEYS.length });
    for (const t of done.status.targets as TargetView[]) {
      const kube = t.cluster === 'east' ? east : west;
      expect((await namesOfApplication(kube, 'ConfigMap', t.namespace, APP)).length, targetKey(t)).toBe(CONFIG_MAPS);
    }

    const runs = await allRuns(api, APP, undefined, 7);
    // newest first, all of them finished
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i - 1].startedAt), `run ${runs[i - 1].id} listed before run ${runs[i].id}`).toBeGreaterThanOrEqual(Date.parse(runs[i].startedAt));
    }
    expect(new Set(runs.map((r) => r.id)).size, 'no run listed twice across pages').toBe(runs.length);
    expect(runs.filter((r) => r.phase === 'Running' || r.finishedAt === null).map((r) => `${r.id} ${r.phase}`)).toEqual([]);
    const interrupted = runs.filter((r) => r.phase === 'Interrupted');
    expect(interrupted.length, 'runs cut off by the kill').toBeGreaterThanOrEqual(1);
    // never more runs in flight than sync.concurrency
    expect(interrupted.length).toBeLessThanOrEqual(2);

    const byTarget = new Map<string, SyncRunView[]>();
    for (const r of runs) byTarget.set(targetKey(r), [...(byTarget.get(targetKey(r)) ?? []), r]);
    expect([...byTarget.keys()].sort()).toEqual([...KEYS].sort());
    for (const [key, list] of byTarget) {
      const ordered = [...list].sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt) || x.id - y.id);
      for (let i = 1; i < ordered.length; i++) {
        const [before, after] = [ordered[i - 1], ordered[i]];
        expect(
          Date.parse(before.finishedAt!),
          `${key}: run ${before.id} (${before.startedAt}–${before.finishedAt}) overlaps run ${after.id} (${after.startedAt}–${after.finishedAt})`,
        ).toBeLessThanOrEqual(Date.parse(after.startedAt));
      }
      // an interrupted run was retried: the newest run of that target succeeded
      expect(ordered[ordered.length - 1].phase, key).toBe('Succeeded');
    }
  }, 360_000);
});
