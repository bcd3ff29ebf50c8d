// The application API's edges: validation, roles, the repository it holds, targets whose template
// cannot be rendered, pagination and selectors, dry runs, manual syncs and history pages.
// Namespaces on the shared clusters all start with `api-`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, TestRepository } from '../support/git-server';
import { allRuns, clusterBody, configMapYaml, getApplication, getNamespace, getObject, sleep, SYNC_ENV, SyncRunView, TargetView, waitForTargets } from '../support/workloads';

const [east, west] = inject('clusters');
const ADMIN = 'applications-api-test-admin-token-0123';
const REPO = 'api-deploy';

const messageOf = (body: { message?: unknown }) => [body?.message].flat().join('; ');

describe('the application API', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let admin: ApiClient;
  let viewer: ApiClient;
  let operator: ApiClient;
  let head: string;
  const base = { repository: REPO, path: 'apps/web', syncPolicy: { automated: false } };

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    head = await repo.commit({ 'apps/web/settings.yaml': configMapYaml('api-settings', { greeting: 'hello' }) }, { message: 'settings' });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    expect((await admin.post('/api/v1/clusters', clusterBody('east', east, { env: 'prod', region: 'eu' }))).status).toBe(201);
    expect((await admin.post('/api/v1/clusters', clusterBody('west', west, { env: 'prod' }))).status).toBe(201);
    expect((await admin.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600 })).status).toBe(201);
    const tokens = await Promise.all([
      admin.post('/api/v1/tokens', { name: 'api-viewer', role: 'viewer' }),
      admin.post('/api/v1/tokens', { name: 'api-operator', role: 'operator' }),
    ]);
    expect(tokens.map((t) => t.status)).toEqual([201, 201]);
    viewer = apiClient(running.baseUrl, tokens[0].body.token);
    operator = apiClient(running.baseUrl, tokens[1].body.token);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  it('refuses invalid applications with a 400 naming the field, and a taken name with a 409', async () => {
    const valid = await admin.post('/api/v1/applications', { ...base, name: 'api-valid', destinations: [{ cluster: 'east', namespace: 'api-valid' }] });
    expect(valid.status, JSON.stringify(valid.body)).toBe(201);
    const dest = [{ cluster: 'east', namespace: 'api-x' }];
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      ['unknown repository', { ...base, name: 'api-bad-repo', repository: 'api-nope', destinations: dest }, 400, /repository.*api-nope/],
      ['unknown cluster', { ...base, name: 'api-bad-cluster', destinations: [{ cluster: 'zz-missing', namespace: 'x' }] }, 400, /zz-missing/],
      [
        'unknown template variable in a namespace',
        { ...base, name: 'api-bad-template', destinations: [{ cluster: 'east', namespace: 'api-{{cluster.server}}' }] },
        400,
        /cluster\.server/,
      ],
      ['unknown template variable in the path', { ...base, name: 'api-bad-path', path: 'apps/{{cluster.server}}', destinations: dest }, 400, /cluster\.server/],
      [
        'cluster and clusterSelector',
        { ...base, name: 'api-both', destinations: [{ cluster: 'east', clusterSelector: { matchLabels: { env: 'prod' } }, namespace: 'x' }] },
        400,
        /clusterSelector/,
      ],
      ['neither cluster nor clusterSelector', { ...base, name: 'api-neither', destinations: [{ namespace: 'x' }] }, 400, /cluster/],
      [
        'a bad selector',
        { ...base, name: 'api-bad-selector', destinations: [{ clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Sometimes', values: ['x'] }] }, namespace: 'x' }] },
        400,
        /operator|Sometimes/,
      ],
      ['a bad name', { ...base, name: 'Bad_Name', destinations: dest }, 400, /name/],
      ['a taken name', { ...base, name: 'api-valid', destinations: dest }, 409, /api-valid/],
    ];
    for (const [what, body, status, message] of cases) {
      const res = await admin.post('/api/v1/applications', body);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(messageOf(res.body), what).toMatch(message);
    }
    const names = (await admin.get('/api/v1/applications')).body.items.map((a: { name: string }) => a.name);
    expect(names).toEqual(['api-valid']);
    const missing = await admin.get('/api/v1/applications/api-nope');
    expect(missing.status).toBe(404);
    expect(messageOf(missing.body)).toContain('api-nope');
    expect((await admin.post('/api/v1/applications/api-nope/sync', {})).status).toBe(404);
  });

  it('lets a viewer read, an operator sync, and only an admin change applications', async () => {
    for (const path of ['/api/v1/applications', '/api/v1/applications/api-valid', '/api/v1/applications/api-valid/history', '/api/v1/applications/api-valid/diff']) {
      const res = await viewer.get(path);
      expect(res.status, `viewer GET ${path}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    const newApp = { ...base, name: 'api-by-role', destinations: [] };
    expect((await viewer.post('/api/v1/applications/api-valid/sync', {})).status).toBe(403);
    expect((await viewer.post('/api/v1/applications/api-valid/rollback', { syncRunId: 1 })).status).toBe(403);
    expect((await viewer.post('/api/v1/applications', newApp)).status).toBe(403);
    expect((await operator.post('/api/v1/applications', newApp)).status).toBe(403);
    expect((await operator.patch('/api/v1/applications/api-valid', { labels: { x: 'y' } })).status).toBe(403);
    expect((await operator.delete('/api/v1/applications/api-valid')).status).toBe(403);
    expect((await admin.get('/api/v1/applications/api-by-role')).status).toBe(404);

    const synced = await operator.post('/api/v1/applications/api-valid/sync', {});
    expect(synced.status, JSON.stringify(synced.body)).toBe(202);
    expect(synced.body).toEqual({ queued: [{ cluster: 'east', namespace: 'api-valid' }] });
    await waitForTargets(admin, 'api-valid', ['east/api-valid'], (t) => t.sync === 'Synced' && t.revision?.sha === head, 'api-valid synced on request');
    const runs = await eventually(
      'the manual run finished',
      () => allRuns(admin, 'api-valid'),
      (rs) => rs.some((r) => r.trigger === 'manual' && r.phase !== 'Running'),
      30_000,
      200,
    );
    // automated is off: the request is the only run
    expect(
      runs.map((r) => [r.trigger, r.actor, r.phase]),
      'runs of api-valid',
    ).toEqual([['manual', 'api-operator', 'Succeeded']]);
    expect(runs[0]).toMatchObject({ revision: head, cluster: 'east', namespace: 'api-valid' });
    expect((await getObject(east, 'ConfigMap', 'api-valid', 'api-settings'))?.data).toEqual({ greeting: 'hello' });
  }, 90_000);

  it('refuses to delete a repository while an application uses it, naming the application', async () => {
    const refused = await admin.delete(`/api/v1/repositories/${REPO}`);
    expect(refused.status).toBe(409);
    expect(messageOf(refused.body)).toContain('api-valid');
    expect((await admin.get(`/api/v1/repositories/${REPO}`)).status).toBe(200);
  });

  it('shows a target whose namespace template names a label its cluster lacks as Unknown, naming the label', async () => {
    const created = await admin.post('/api/v1/applications', {
      ...base,
      name: 'api-region',
      destinations: [{ clusterSelector: { matchLabels: { env: 'prod' } }, namespace: 'api-{{cluster.labels.region}}' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const app = await eventually(
      'two targets',
      () => getApplication(admin, 'api-region'),
      (a) => a.status.targets.length === 2,
      15_000,
    );
    const targets = app.status.targets as TargetView[];
    expect(targets.map((t) => t.cluster)).toEqual(['east', 'west']);
    expect(targets[0].namespace).toBe('api-eu');
    expect(targets[1].sync).toBe('Unknown');
    expect(targets[1].message).toMatch(/region/);
    expect(app.status.summary.targets).toBe(2);
    expect(app.status.summary.unknown).toBeGreaterThanOrEqual(1);
    const listed = await admin.get('/api/v1/applications');
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((a: { name: string }) => a.name === 'api-region').status.targets).toHaveLength(2);
  });

  it('pages through applications sorted by name and filters them by label selector', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await admin.post('/api/v1/applications', { ...base, name: `api-p-${i}`, labels: { team: i % 2 ? 'web' : 'db' }, destinations: [] });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      // an empty fan-out is valid
      expect(res.body.status).toMatchObject({ summary: { targets: 0 }, targets: [] });
    }
    const everything = await admin.get('/api/v1/applications');
    expect(everything.status).toBe(200);
    expect(everything.body.nextCursor).toBeNull();
    const all = everything.body.items.map((a: { name: string }) => a.name);
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['api-p-1', 'api-p-2', 'api-p-3', 'api-p-4', 'api-p-5', 'api-region', 'api-valid']));
    // list items carry targets, not their resources
    for (const item of everything.body.items) {
      for (const t of item.status.targets) expect(t.resources, `${item.name} ${t.cluster}/${t.namespace}`).toBeUndefined();
    }

    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: any } = await admin.get(`/api/v1/applications?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.body.items.map((a: { name: string }) => a.name));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(walked).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));

    const web = await admin.get(`/api/v1/applications?selector=${encodeURIComponent('team=web')}`);
    expect(web.status).toBe(200);
    expect(web.body.items.map((a: { name: string }) => a.name)).toEqual(['api-p-1', 'api-p-3', 'api-p-5']);
    const notWeb = await admin.get(`/api/v1/applications?selector=${encodeURIComponent('team,team!=web')}`);
    expect(notWeb.body.items.map((a: { name: string }) => a.name)).toEqual(['api-p-2', 'api-p-4']);
    const bad = await admin.get(`/api/v1/applications?selector=${encodeURIComponent('team in (web')}`);
    expect(bad.status).toBe(400);
  });

  it('dry-runs a sync without writing anything, and syncs an application with automated off only when asked', async () => {
    const created = await admin.post('/api/v1/applications', {
      ...base,
      name: 'api-dry',
      destinations: [{ cluster: 'east', namespace: 'api-dry' }],
      syncPolicy: { automated: false, intervalSeconds: 2 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.syncPolicy).toMatchObject({ automated: false, intervalSeconds: 2 });
    // intervals pass: it is compared, never applied
    await waitForTargets(admin, 'api-dry', ['east/api-dry'], (t) => t.sync === 'OutOfSync', 'api-dry OutOfSync (never synced)', 30_000);
    await sleep(4_000);
    let app = await getApplication(admin, 'api-dry');
    expect(app.status.targets[0]).toMatchObject({ sync: 'OutOfSync', revision: null, lastSyncRun: null });
    expect(await allRuns(admin, 'api-dry')).toEqual([]);

    const dry = await operator.post('/api/v1/applications/api-dry/sync', { dryRun: true });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.targets).toHaveLength(1);
    expect(dry.body.targets[0]).toMatchObject({ cluster: 'east', namespace: 'api-dry', revision: head, error: null });
    const changes = dry.body.targets[0].changes as { kind: string; name: string; action: string }[];
    expect(changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'api-dry', name: 'api-settings', action: 'created' })]),
    );
    // besides the object, at most the namespace it would create
    expect(changes.map((c) => `${c.kind}/${c.name} ${c.action}`).filter((c) => c !== 'Namespace/api-dry created')).toEqual(['ConfigMap/api-settings created']);
    const diff = await viewer.get('/api/v1/applications/api-dry/diff');
    expect(diff.status).toBe(200);
    const summary = (body: any) => body.targets.map((t: any) => [t.cluster, t.namespace, t.revision, t.changes.map((c: any) => `${c.kind}/${c.name} ${c.action}`)]);
    expect(summary(diff.body)).toEqual(summary(dry.body));
    // nothing written: no object, not even the namespace, no run
    expect(await getObject(east, 'ConfigMap', 'api-dry', 'api-settings')).toBeNull();
    expect(await getNamespace(east, 'api-dry')).toBeNull();
    expect(await allRuns(admin, 'api-dry')).toEqual([]);
    app = await getApplication(admin, 'api-dry');
    expect(app.status.targets[0]).toMatchObject({ revision: null, lastSyncRun: null });

    const synced = await operator.post('/api/v1/applications/api-dry/sync', {});
    expect(synced.status, JSON.stringify(synced.body)).toBe(202);
    expect(synced.body).toEqual({ queued: [{ cluster: 'east', namespace: 'api-dry' }] });
    await waitForTargets(admin, 'api-dry', ['east/api-dry'], (t) => t.sync === 'Synced' && t.revision?.sha === head, 'api-dry synced on request');
    expect((await getObject(east, 'ConfigMap', 'api-dry', 'api-settings'))?.data).toEqual({ greeting: 'hello' });
    const runs = await allRuns(admin, 'api-dry');
    expect(runs.map((r) => [r.trigger, r.actor, r.phase])).toEqual([['manual', 'api-operator', 'Succeeded']]);
    // the ConfigMap, and the namespace if counted
    expect(runs[0].counts.created).toBeGreaterThanOrEqual(1);
    expect(runs[0].counts.failed).toBe(0);
  }, 90_000);

  it('refuses a sync of a target outside the fan-out and a rollback to an unknown run', async () => {
    const outside = await operator.post('/api/v1/applications/api-dry/sync', { targets: [{ cluster: 'zz', namespace: 'x' }] });
    expect(outside.status, JSON.stringify(outside.body)).toBe(400);
    expect(messageOf(outside.body)).toMatch(/zz/);
    const unknownRun = await operator.post('/api/v1/applications/api-dry/rollback', { syncRunId: 999_999 });
    expect(unknownRun.status, JSON.stringify(unknownRun.body)).toBe(404);
    expect(messageOf(unknownRun.body)).toContain('999999');
  });

  it('lists sync runs newest first, page by page', async () => {
    for (let i = 0; i < 2; i++) {
      const before = (await allRuns(admin, 'api-dry')).length;
      expect((await operator.post('/api/v1/applications/api-dry/sync', {})).status).toBe(202);
      await eventually(
        'the manual run finished',
        () => allRuns(admin, 'api-dry'),
        (runs) => runs.length === before + 1 && runs[0].phase !== 'Running',
        30_000,
        200,
      );
    }
    const whole = await admin.get('/api/v1/applications/api-dry/history?limit=100');
    expect(whole.status).toBe(200);
    expect(whole.body.nextCursor).toBeNull();
    const runs = whole.body.items as SyncRunView[];
    expect(runs).toHaveLength(3);
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i - 1].startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[i].startedAt));
      expect(runs[i - 1].id).toBeGreaterThan(runs[i].id);
    }
    const paged = await allRuns(admin, 'api-dry', undefined, 1);
    expect(paged.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    const filtered = await allRuns(admin, 'api-dry', { cluster: 'east', namespace: 'api-dry' }, 2);
    expect(filtered.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    expect(await allRuns(admin, 'api-dry', { cluster: 'west', namespace: 'api-dry' })).toEqual([]);
  }, 90_000);

  it('deletes an application without cascade, leaving what it deployed', async () => {
    expect((await admin.delete('/api/v1/applications/api-valid')).status).toBe(204);
    expect((await admin.get('/api/v1/applications/api-valid')).status).toBe(404);
    await sleep(3_000);
    const kept = await getObject(east, 'ConfigMap', 'api-valid', 'api-settings');
    expect(kept?.data).toEqual({ greeting: 'hello' });
    expect(kept.metadata.annotations?.['flotilla.io/tracking-id']).toBe('api-valid:api-valid');
  });
});
