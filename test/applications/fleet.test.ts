// GET /api/v1/fleet, the fleet matrix's compact answer, on a real fleet: one test-bed cluster
// registered four times under different names and labels, the other once, and applications
// fanned out to them in several states (synced and healthy, a Deployment no controller makes
// ready, a path that does not exist, a rollout holding targets back, no target at all). Every
// count is checked against what the applications API says of the same targets; then each filter,
// paging, and the 400s. Every namespace starts with this run's prefix.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { clusterBody, configMapYaml, deploymentYaml, SYNC_ENV, TargetView, waitForTargets } from '../support/workloads';
import { uniqueName } from '../engine/helpers';

const [east, west] = inject('clusters');
const ADMIN = 'fleet-test-admin-token-0123456789abcd';
const run = uniqueName('fl');
const [p1, p2, s1, w1, d1] = ['p1', 'p2', 's1', 'w1', 'd1'].map((n) => `${run}-${n}`);
const CLUSTERS: [string, typeof east, Record<string, string>][] = [
  [p1, east, { env: 'prod', region: 'eu' }],
  [p2, east, { env: 'prod', region: 'us' }],
  [s1, east, { env: 'staging', region: 'eu' }],
  [w1, west, { env: 'prod', region: 'ap' }],
  [d1, east, { env: 'dev' }],
];
const ns = (n: string) => `${run}-${n}`;

const COUNT_KEYS = ['targets', 'synced', 'outOfSync', 'unknown', 'healthy', 'progressing', 'degraded', 'suspended', 'missing'] as const;
type Counts = Record<(typeof COUNT_KEYS)[number], number>;
const zero = (): Counts => Object.fromEntries(COUNT_KEYS.map((k) => [k, 0])) as Counts;

function countOf(c: Counts, t: TargetView): void {
  c.targets++;
  if (t.sync === 'Synced') c.synced++;
  else if (t.sync === 'OutOfSync') c.outOfSync++;
  else c.unknown++;
  const health = { Healthy: 'healthy', Progressing: 'progressing', Degraded: 'degraded', Suspended: 'suspended', Missing: 'missing' }[t.health] as keyof Counts | undefined;
  if (health) c[health]++;
}

/** What the fleet answer should say, built from the applications API (GET of each application). */
async function expectedRows(admin: ApiClient, names: string[], clusters: string[]) {
  const rows: Record<string, { counts: Counts; cells: Record<string, any> }> = {};
  for (const name of names) {
    const app = (await admin.get(`/api/v1/applications/${name}`)).body;
    const targets = (app.status.targets as (TargetView & { rollout: { wave: string; state: string } | null })[]).filter((t) => !t.leaving && clusters.includes(t.cluster));
    const counts = zero();
    const cells: Record<string, any> = {};
    for (const t of targets) {
      countOf(counts, t);
      const cell = (cells[t.cluster] ??= { ...zero(), namespaces: [] as string[], waiting: 0, wave: undefined as string | undefined });
      countOf(cell, t);
      cell.namespaces.push(t.namespace);
      if (t.rollout?.state === 'Waiting') {
        cell.waiting++;
        cell.wave ??= t.rollout.wave;
      }
    }
    // the fleet leaves zero counts out of a cell
    for (const cell of Object.values(cells)) {
      cell.namespaces.sort();
      for (const k of [...COUNT_KEYS, 'waiting', 'wave']) if (!cell[k]) delete cell[k];
    }
    rows[name] = { counts, cells };
  }
  return rows;
}

describe('GET /api/v1/fleet', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;
  let viewer: ApiClient;
  const get = (query: Record<string, string | number>) =>
    viewer.get(`/api/v1/fleet?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`);
  const APPS = ['fl-api', 'fl-broken', 'fl-db', 'fl-empty', 'fl-rolled', 'fl-web'];

  beforeAll(async () => {
    server = await GitHttpServer.start();
    const repo = await server.createRepository('fleet');
    await repo.commit({
      'config/settings.yaml': configMapYaml('fl-settings', { mode: 'git' }),
      'workload/deploy.yaml': deploymentYaml('fl-db'),
    });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    viewer = apiClient(running.baseUrl, (await admin.post('/api/v1/tokens', { name: 'fleet-viewer', role: 'viewer' })).body.token);
    for (const [name, cluster, labels] of CLUSTERS) {
      const res = await admin.post('/api/v1/clusters', clusterBody(name, cluster, labels));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    expect((await admin.post('/api/v1/repositories', { name: 'fleet', url: server.url('fleet'), pollIntervalSeconds: 3600 })).status).toBe(201);
    const policy = { automated: true, intervalSeconds: 300 };
    const apps = [
      // prod everywhere, and two namespaces on the staging cluster: a cell of two targets
      {
        name: 'fl-web',
        labels: { team: 'web', tier: 'front' },
        path: 'config',
        destinations: [
          { clusterSelector: { matchLabels: { env: 'prod' } }, namespace: ns('web') },
          { cluster: s1, namespace: ns('web-a') },
          { cluster: s1, namespace: ns('web-b') },
        ],
      },
      {
        name: 'fl-api',
        labels: { team: 'api' },
        path: 'config',
        destinations: [{ clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] }, namespace: ns('api') }],
      },
      // a Deployment no controller makes ready: Progressing
      { name: 'fl-db', labels: { team: 'api', tier: 'data' }, path: 'workload', destinations: [{ cluster: p1, namespace: ns('db') }] },
      // a path that is not in the repository: the run fails
      { name: 'fl-broken', labels: { team: 'web' }, path: 'nowhere', destinations: [{ cluster: d1, namespace: ns('broken') }] },
      // a selector nothing matches: no target at all
      { name: 'fl-empty', labels: {}, path: 'config', destinations: [{ clusterSelector: { matchLabels: { env: 'nowhere' } }, namespace: ns('empty') }] },
      // a first wave that waits for approval: every target waits, p1 for "first", w1 for "rest"
      {
        name: 'fl-rolled',
        labels: { team: 'ops' },
        path: 'config',
        destinations: [
          { cluster: p1, namespace: ns('rolled') },
          { cluster: w1, namespace: ns('rolled') },
        ],
        rollout: { waves: [{ name: 'first', clusters: [p1], approval: true }] },
      },
    ];
    for (const app of apps) {
      const res = await admin.post('/api/v1/applications', { repository: 'fleet', syncPolicy: policy, ...app });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    // every target has been through a run (or is held by the rollout), so states stand still
    await waitForTargets(
      admin,
      'fl-web',
      [`${p1}/${ns('web')}`, `${p2}/${ns('web')}`, `${w1}/${ns('web')}`, `${s1}/${ns('web-a')}`, `${s1}/${ns('web-b')}`],
      (t) => t.sync === 'Synced',
      'fl-web synced',
    );
    await waitForTargets(
      admin,
      'fl-api',
      [p1, p2, s1, w1].map((c) => `${c}/${ns('api')}`),
      (t) => t.sync === 'Synced',
      'fl-api synced',
    );
    await waitForTargets(admin, 'fl-db', [`${p1}/${ns('db')}`], (t) => t.sync === 'Synced' && t.health === 'Progressing', 'fl-db applied, not ready');
    await waitForTargets(admin, 'fl-broken', [`${d1}/${ns('broken')}`], (t) => t.lastSyncRun?.phase === 'Failed', 'fl-broken failed');
    await eventually(
      'fl-rolled awaits approval',
      async () => (await admin.get('/api/v1/applications/fl-rolled/rollout')).body,
      (r) => r?.state === 'AwaitingApproval',
      30_000,
    );
  }, 180_000);

  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('answers one row per application with per-cluster counts that match the applications API, and the clusters once', async () => {
    const res = await get({});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const fleet = res.body;
    const clusterNames = CLUSTERS.map(([n]) => n).sort();
    expect(fleet.clusters.map((c: any) => c.name)).toEqual(clusterNames);
    expect(fleet.clusters.find((c: any) => c.name === p1).labels).toEqual({ env: 'prod', region: 'eu' });
    expect(fleet.clusters.every((c: any) => typeof c.phase === 'string')).toBe(true);
    expect(fleet.items.map((r: any) => r.name)).toEqual(APPS);
    expect(fleet.total).toBe(APPS.length);
    expect(fleet.nextCursor).toBeNull();

    const expected = await expectedRows(admin, APPS, clusterNames);
    for (const row of fleet.items) {
      expect(row.counts, row.name).toEqual(expected[row.name].counts);
      expect(row.cells, row.name).toEqual(expected[row.name].cells);
    }
    expect(fleet.items.find((r: any) => r.name === 'fl-web').labels).toEqual({ team: 'web', tier: 'front' });

    // the states this fleet was built to hold are really there
    const web = fleet.items.find((r: any) => r.name === 'fl-web');
    expect(web.cells[s1]).toMatchObject({ targets: 2, synced: 2, healthy: 2, namespaces: [ns('web-a'), ns('web-b')] });
    expect(fleet.items.find((r: any) => r.name === 'fl-db').cells[p1]).toMatchObject({ targets: 1, synced: 1, progressing: 1 });
    expect(fleet.items.find((r: any) => r.name === 'fl-broken').cells[d1].synced).toBeUndefined();
    expect(fleet.items.find((r: any) => r.name === 'fl-empty')).toMatchObject({ cells: {}, counts: zero() });
    const rolled = fleet.items.find((r: any) => r.name === 'fl-rolled');
    expect(rolled.cells[p1]).toMatchObject({ waiting: 1, wave: 'first' });
    expect(rolled.cells[w1]).toMatchObject({ waiting: 1, wave: 'rest' });

    // totals: per cluster (the column) and over everything, the sums of the rows
    const totals = zero();
    for (const c of clusterNames) {
      const column = zero();
      for (const r of Object.values(expected)) for (const k of COUNT_KEYS) column[k] += r.cells[c]?.[k] ?? 0;
      expect(fleet.clusters.find((x: any) => x.name === c).counts, c).toEqual(column);
      for (const k of COUNT_KEYS) totals[k] += column[k];
    }
    expect(fleet.totals).toEqual(totals);
    expect(totals.targets).toBe(5 + 4 + 1 + 1 + 2);
  });

  it('filters by name: a substring (any case), or a glob over the whole name', async () => {
    const names = async (name: string) => (await get({ name })).body.items.map((r: any) => r.name);
    expect(await names('web')).toEqual(['fl-web']);
    expect(await names('WEB')).toEqual(['fl-web']);
    expect(await names('fl-')).toEqual(APPS);
    expect(await names('fl-*d')).toEqual(['fl-rolled']);
    expect(await names('*-?b')).toEqual(['fl-db']);
    expect(await names('fl')).toEqual(APPS);
    expect(await names('f*')).toEqual(APPS);
    expect(await names('l-*')).toEqual([]);
    const web = (await get({ name: 'web' })).body;
    expect(web.total).toBe(1);
    // the totals follow the filter
    expect(web.totals.targets).toBe(5);
  });

  it('filters by application labels with a label selector as kubectl writes it', async () => {
    const names = async (selector: string) => (await get({ selector })).body.items.map((r: any) => r.name);
    expect(await names('team=api')).toEqual(['fl-api', 'fl-db']);
    expect(await names('team in (web, ops)')).toEqual(['fl-broken', 'fl-rolled', 'fl-web']);
    expect(await names('team notin (web),tier')).toEqual(['fl-db']);
    expect(await names('tier!=data')).toEqual(['fl-api', 'fl-broken', 'fl-empty', 'fl-rolled', 'fl-web']);
    expect(await names('!team')).toEqual(['fl-empty']);
    expect(await names('team,!tier')).toEqual(['fl-api', 'fl-broken', 'fl-rolled']);
    const api = (await get({ selector: 'team=api', name: 'db' })).body;
    expect(api.items.map((r: any) => r.name)).toEqual(['fl-db']);
    expect(api.totals.targets).toBe(1);
  });

  it('restricts columns, counts and rows to the clusters a cluster selector matches', async () => {
    const prodEu = (await get({ clusterSelector: 'env=prod,region in (eu, us)' })).body;
    expect(prodEu.clusters.map((c: any) => c.name)).toEqual([p1, p2]);
    // only applications with a target there
    expect(prodEu.items.map((r: any) => r.name)).toEqual(['fl-api', 'fl-db', 'fl-rolled', 'fl-web']);
    const expected = await expectedRows(admin, ['fl-api', 'fl-db', 'fl-rolled', 'fl-web'], [p1, p2]);
    for (const row of prodEu.items) {
      expect(Object.keys(row.cells).sort(), row.name).toEqual(Object.keys(expected[row.name].cells).sort());
      expect(row.counts, row.name).toEqual(expected[row.name].counts);
      expect(row.cells, row.name).toEqual(expected[row.name].cells);
    }
    expect(prodEu.totals.targets).toBe(2 + 2 + 1 + 1);
    expect(prodEu.total).toBe(4);

    const none = (await get({ clusterSelector: 'env=nowhere' })).body;
    expect(none).toMatchObject({ clusters: [], items: [], total: 0, nextCursor: null });
    expect(none.totals.targets).toBe(0);

    // all three filters at once
    const staging = (await get({ clusterSelector: 'env=staging', selector: 'team', name: 'w' })).body;
    expect(staging.clusters.map((c: any) => c.name)).toEqual([s1]);
    expect(staging.items.map((r: any) => r.name)).toEqual(['fl-web']);
    expect(staging.items[0].counts.targets).toBe(2);
  });

  it('pages by name with limit and cursor; total and totals describe every page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const first = (await get({ limit: 4 })).body;
    for (let page = 0; page < 10; page++) {
      const res: any = await get({ limit: 4, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(4);
      expect(res.body.total).toBe(APPS.length);
      expect(res.body.totals).toEqual(first.totals);
      expect(res.body.clusters.length).toBe(CLUSTERS.length);
      seen.push(...res.body.items.map((r: any) => r.name));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(APPS);
    expect(first.nextCursor).toBe(APPS[3]);
    // with filters: pages of the filtered rows
    const two = (await get({ selector: 'team', limit: 2 })).body;
    expect(two.items.map((r: any) => r.name)).toEqual(['fl-api', 'fl-broken']);
    const rest = (await get({ selector: 'team', limit: 2, cursor: two.nextCursor })).body;
    expect(rest.items.map((r: any) => r.name)).toEqual(['fl-db', 'fl-rolled']);
    // the default page holds them all here; the cursor need not be a row
    expect((await get({ cursor: 'fl-c' })).body.items.map((r: any) => r.name)).toEqual(['fl-db', 'fl-empty', 'fl-rolled', 'fl-web']);
  });

  it('answers 400 naming the parameter for a bad selector, name, limit or cursor, and 401 without a token', async () => {
    const bad = async (query: Record<string, string>, names: string) => {
      const res = await get(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect([res.body.message].flat().join(' '), JSON.stringify(query)).toContain(names);
    };
    await bad({ selector: 'team in (web' }, 'selector: ');
    await bad({ selector: 'team in (web' }, 'unbalanced "("');
    await bad({ clusterSelector: 'env in ()' }, 'clusterSelector: ');
    await bad({ clusterSelector: '=prod' }, 'clusterSelector: selector term 1');
    await bad({ selector: 'a,,b' }, 'selector: selector term 2');
    await bad({ name: 'web app' }, 'name must be');
    await bad({ name: 'web[0-9]' }, 'name must be');
    await bad({ limit: '0' }, 'limit');
    await bad({ limit: '501' }, 'limit');
    await bad({ limit: 'many' }, 'limit');
    await bad({ cursor: 'Not_A_Name' }, 'cursor');
    expect((await apiClient(running.baseUrl).get('/api/v1/fleet')).status).toBe(401);
  });
});
