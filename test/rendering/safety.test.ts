// Rendering safely, through the API (issue 12, SPEC §3 step 2): kustomizations and charts that
// reach out of the repository (`../`, symlinks to a directory outside holding a real
// kustomization or chart, a value file above the chart), remote bases, exec plugins, and charts
// whose templates fail. Each is an application on east with its own namespace: its runs fail with
// a message naming the file, the target is Unknown with that message, and nothing is applied —
// not even the target namespace. A later good commit (or, for value files, which are application
// settings, a PATCH) recovers every one of them.
// Names and namespaces on the shared clusters all start with `rn3-`.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { GitHttpServer, type FileChange, type TestRepository } from '../support/git-server';
import { allRuns, announcePush, clusterBody, getApplication, getNamespace, SYNC_ENV, waitForTargets } from '../support/workloads';
import { collectionOf, targetLine, getPath, listOfApplication, type RenderedTarget } from './support';

const [east] = inject('clusters');
const ADMIN = 'rn3-safety-admin-token-0123456789ab';
const HOOK_SECRET = 'rn3-webhook-secret-0123456789';
const REPO = 'rn3-deploy';
const POLICY = { automated: true, prune: true, intervalSeconds: 2 };

const cm = (name: string, data: Record<string, string> = { ok: 'yes' }) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join('\n')}\n`;
const chart = (name: string) => `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`;
const chartCm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  password: {{ .Values.password | default "none" | quote }}\n';

interface Case {
  app: string;
  path: string;
  helm?: { valueFiles: string[] };
  /** fragments the run's and the target's message must contain */
  message: (string | RegExp)[];
  /** the ConfigMaps the application deploys once it recovers */
  recovered: string[];
}

const CASES: Case[] = [
  {
    app: 'rn3-climb',
    path: 'rn3/climb',
    message: ['rn3/climb/kustomization.yaml', '"../../../outside" leaves the repository', 'refused'],
    recovered: ['rn3-climb-cm'],
  },
  {
    // a symlinked directory inside the path, to a real kustomization outside the repository
    app: 'rn3-link',
    path: 'rn3/link',
    message: ['rn3/link/outside', /outside the repository|leaves the repository/],
    recovered: ['rn3-link-cm'],
  },
  {
    // an overlay whose base is a symlink (outside the overlay's path) to a directory outside:
    // refused, but see the next test about what the message says
    app: 'rn3-linkover',
    path: 'rn3/linkover',
    message: ['rn3/linkover/kustomization.yaml', '../linkbase', 'rn3/linkbase'],
    recovered: ['rn3-linkbase-cm', 'rn3-linkover-cm'],
  },
  {
    app: 'rn3-remote',
    path: 'rn3/remote',
    message: ['rn3/remote/kustomization.yaml', '"https://example.com/rn3/base?ref=v1" is a remote source', 'not allowed'],
    recovered: ['rn3-remote-cm'],
  },
  {
    app: 'rn3-exec',
    path: 'rn3/exec',
    message: ['rn3/exec/kustomization.yaml', 'external plugins disabled'],
    recovered: ['rn3-exec-cm'],
  },
  {
    app: 'rn3-values',
    path: 'rn3/chart',
    helm: { valueFiles: ['../../secret.yaml'] },
    message: ['rn3/chart', 'value file "../../secret.yaml" leaves the repository', 'refused'],
    recovered: ['rn3-values-cfg'],
  },
  {
    app: 'rn3-passwd',
    path: 'rn3/chart',
    helm: { valueFiles: ['../../../../etc/passwd'] },
    message: ['rn3/chart', 'value file "../../../../etc/passwd" leaves the repository', 'refused'],
    recovered: ['rn3-passwd-cfg'],
  },
  {
    app: 'rn3-absolute',
    path: 'rn3/chart',
    helm: { valueFiles: ['/etc/passwd'] },
    message: ['rn3/chart', 'value file "/etc/passwd"', 'refused'],
    recovered: ['rn3-absolute-cfg'],
  },
  {
    // the chart directory itself is a symlink to a real chart outside the repository
    app: 'rn3-chartlink',
    path: 'rn3/chartlink',
    message: ['rn3/chartlink', /outside the repository|leaves the repository/],
    recovered: ['rn3-chartlink-cfg'],
  },
  {
    // `.Files.Get` would read through a link below the chart
    app: 'rn3-chartfiles',
    path: 'rn3/chartfiles',
    message: ['rn3/chartfiles/files/passwd', /outside the repository|leaves the repository/],
    recovered: ['rn3-chartfiles-cfg'],
  },
  {
    app: 'rn3-broken',
    path: 'rn3/broken',
    message: ['rn3/broken', 'helm template failed', 'parse error at (rn3/broken/templates/bad.yaml:6)', 'function "nosuchfunc" not defined'],
    recovered: ['rn3-broken-bad', 'rn3-broken-cfg'],
  },
  {
    app: 'rn3-failing',
    path: 'rn3/failing',
    message: ['rn3/failing', 'execution error at (rn3/failing/templates/cm.yaml:7:', 'rn3: region is required'],
    recovered: ['rn3-failing-cfg'],
  },
];

describe('unsafe and failing renders', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let api: ApiClient;
  let outside: string;
  let first: string;

  beforeAll(async () => {
    // what the links point at: a kustomization and a chart that would deploy `rn3-stolen-*`
    outside = await mkdtemp(join(tmpdir(), 'rn3-outside-'));
    await mkdir(join(outside, 'kust'));
    await writeFile(join(outside, 'kust', 'kustomization.yaml'), 'resources: [cm.yaml]\n');
    await writeFile(join(outside, 'kust', 'cm.yaml'), cm('rn3-stolen-kust'));
    await mkdir(join(outside, 'chart', 'templates'), { recursive: true });
    await writeFile(join(outside, 'chart', 'Chart.yaml'), chart('stolen'));
    await writeFile(join(outside, 'chart', 'templates', 'cm.yaml'), cm('rn3-stolen-chart'));

    const files: Record<string, FileChange> = {
      'secret.yaml': 'password: rn3-canary-not-for-charts\n',
      'rn3/climb/kustomization.yaml': 'resources:\n- cm.yaml\n- ../../../outside\n',
      'rn3/climb/cm.yaml': cm('rn3-climb-cm'),
      'rn3/link/kustomization.yaml': 'resources:\n- cm.yaml\n- outside\n',
      'rn3/link/cm.yaml': cm('rn3-link-cm'),
      'rn3/link/outside': { symlink: join(outside, 'kust') },
      'rn3/linkover/kustomization.yaml': 'resources:\n- cm.yaml\n- ../linkbase\n',
      'rn3/linkover/cm.yaml': cm('rn3-linkover-cm'),
      'rn3/linkbase': { symlink: join(outside, 'kust') },
      'rn3/remote/kustomization.yaml': 'resources:\n- cm.yaml\n- https://example.com/rn3/base?ref=v1\n',
      'rn3/remote/cm.yaml': cm('rn3-remote-cm'),
      'rn3/exec/kustomization.yaml': 'resources:\n- cm.yaml\ngenerators:\n- gen.yaml\n',
      'rn3/exec/cm.yaml': cm('rn3-exec-cm'),
      'rn3/exec/gen.yaml':
        'apiVersion: rn3.flotilla.test/v1\nkind: Runner\nmetadata:\n  name: runner\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./run.sh\n',
      'rn3/exec/run.sh': '#!/bin/sh\necho "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rn3-exec-ran}"\n',
      'rn3/chart/Chart.yaml': chart('rn3-chart'),
      'rn3/chart/values.yaml': 'password: ""\n',
      'rn3/chart/values-prod.yaml': 'password: prod-file\n',
      'rn3/chart/templates/cm.yaml': chartCm,
      'rn3/chartlink': { symlink: join(outside, 'chart') },
      'rn3/chartfiles/Chart.yaml': chart('rn3-chartfiles'),
      'rn3/chartfiles/files/passwd': { symlink: '/etc/passwd' },
      'rn3/chartfiles/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  passwd: {{ .Files.Get "files/passwd" | quote }}\n',
      'rn3/broken/Chart.yaml': chart('rn3-broken-chart'),
      'rn3/broken/values.yaml': 'region: eu\n',
      'rn3/broken/templates/cfg.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  ok: "yes"\n',
      'rn3/broken/templates/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-bad\ndata:\n  region: {{ .Values.region | nosuchfunc }}\n',
      'rn3/regress/Chart.yaml': chart('rn3-regress-chart'),
      'rn3/regress/templates/cfg.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  version: "1"\n',
      'rn3/regress/templates/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  version: "1"\n',
      'rn3/failing/Chart.yaml': chart('rn3-failing-chart'),
      'rn3/failing/values.yaml': 'tier: base\n',
      'rn3/failing/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  tier: {{ .Values.tier | quote }}\n  region: {{ required "rn3: region is required" .Values.region | quote }}\n',
    };
    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    first = await repo.commit(files, { message: 'unsafe and broken sources' });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    api = apiClient(running.baseUrl, ADMIN);
    const res = await api.post('/api/v1/clusters', clusterBody('east', east, { rn3: 'yes' }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const repoRes = await api.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET });
    expect(repoRes.status, JSON.stringify(repoRes.body)).toBe(201);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
    if (outside) await rm(outside, { recursive: true, force: true });
  });

  it('refuses each with a failed run naming the file, the target Unknown with the message, and nothing applied', async () => {
    // remote sources are off unless configured
    expect(running.config.render.allowRemote).toBe(false);
    for (const c of CASES) {
      const res = await api.post('/api/v1/applications', {
        name: c.app,
        repository: REPO,
        path: c.path,
        destinations: [{ cluster: 'east', namespace: c.app }],
        syncPolicy: POLICY,
        ...(c.helm ? { helm: c.helm } : {}),
      });
      expect(res.status, `${c.app}: ${JSON.stringify(res.body)}`).toBe(201);
    }
    for (const c of CASES) {
      const app = await waitForTargets(api, c.app, [`east/${c.app}`], (t) => t.sync === 'Unknown' && t.lastSyncRun?.phase === 'Failed', `${c.app} failed`, 60_000);
      const t = app.status.targets[0] as RenderedTarget;
      for (const fragment of c.message) {
        expect(t.message, `${c.app} target message — ${targetLine(t)}`).toMatch(
          typeof fragment === 'string' ? new RegExp(fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : fragment,
        );
        expect(t.lastSyncRun?.message, `${c.app} run message`).toMatch(typeof fragment === 'string' ? new RegExp(fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : fragment);
      }
      expect(t.revision, c.app).toBeNull();
      expect(t.resources, c.app).toEqual([]);
    }
    // messages carry no absolute path of the service's disk and nothing read from outside
    for (const c of CASES) {
      const t = (await getApplication(api, c.app)).status.targets[0] as RenderedTarget;
      expect(t.message, c.app).not.toContain(running.dataDir);
      expect(t.message, c.app).not.toMatch(/root:x:0:0|rn3-canary-not-for-charts/);
    }
    // nothing applied: every run failed before the engine ran, so not even the namespace exists
    for (const c of CASES) {
      const runs = await allRuns(api, c.app);
      expect(runs.length, c.app).toBeGreaterThan(0);
      expect(
        runs.every((r) => r.phase === 'Failed' && r.revision === first),
        `${c.app}: ${JSON.stringify(runs.map((r) => r.phase))}`,
      ).toBe(true);
      // no engine ran: no counts (null) and no change set
      expect(
        runs.every((r) => (r.counts === null || Object.values(r.counts).every((n) => n === 0)) && !r.changes?.length),
        `${c.app} counts`,
      ).toBe(true);
      expect(await getNamespace(east, c.app), `namespace ${c.app}`).toBeNull();
    }
  }, 180_000);

  it('keeps what a good commit applied when a later commit cannot be rendered: nothing applied, nothing pruned', async () => {
    const created = await api.post('/api/v1/applications', {
      name: 'rn3-regress',
      repository: REPO,
      path: 'rn3/regress',
      destinations: [{ cluster: 'east', namespace: 'rn3-regress' }],
      syncPolicy: POLICY,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await waitForTargets(api, 'rn3-regress', ['east/rn3-regress'], (t) => t.sync === 'Synced' && t.revision?.sha === first, 'rn3-regress synced');
    expect((await listOfApplication(east, collectionOf('ConfigMap', 'rn3-regress'), 'rn3-regress')).map((o) => [o.metadata.name, o.data.version])).toEqual([
      ['rn3-regress-cfg', '1'],
      ['rn3-regress-extra', '1'],
    ]);

    // the new commit changes one template and breaks the other: helm renders nothing at all
    const broken = await repo.commit(
      {
        'rn3/regress/templates/cfg.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndata:\n  version: "2"\n',
        'rn3/regress/templates/extra.yaml': '{{ fail "rn3: extra is broken on purpose" }}\n',
      },
      { message: 'break extra' },
    );
    const pushed = await announcePush(running.baseUrl, server.url(REPO), broken, HOOK_SECRET);
    expect(pushed.status, JSON.stringify(pushed.body)).toBeLessThan(300);
    const app = await waitForTargets(
      api,
      'rn3-regress',
      ['east/rn3-regress'],
      (t) => t.sync === 'Unknown' && t.lastSyncRun?.phase === 'Failed' && t.desiredRevision === broken,
      'rn3-regress failed at the broken commit',
    );
    const t = app.status.targets[0] as RenderedTarget;
    expect(t.message).toMatch(/^rn3\/regress: helm template failed: execution error at \(rn3\/regress\/templates\/extra\.yaml:1:3\): rn3: extra is broken on purpose$/);
    // still at the last good commit, with what it applied: not updated, not pruned (prune is on)
    expect(t.revision?.sha).toBe(first);
    expect(t.resources?.map((r) => r.name).sort()).toEqual(['rn3-regress-cfg', 'rn3-regress-extra']);
    expect((await listOfApplication(east, collectionOf('ConfigMap', 'rn3-regress'), 'rn3-regress')).map((o) => [o.metadata.name, o.data.version])).toEqual([
      ['rn3-regress-cfg', '1'],
      ['rn3-regress-extra', '1'],
    ]);
  }, 90_000);

  it('recovers every one of them with a good commit (and good value files)', async () => {
    const fixed = await repo.commit(
      {
        'rn3/climb/kustomization.yaml': 'resources:\n- cm.yaml\n',
        'rn3/link/outside': null,
        'rn3/link/kustomization.yaml': 'resources:\n- cm.yaml\n',
        'rn3/linkbase': null,
        'rn3/linkbase/kustomization.yaml': 'resources: [cm.yaml]\n',
        'rn3/linkbase/cm.yaml': cm('rn3-linkbase-cm'),
        'rn3/remote/kustomization.yaml': 'resources:\n- cm.yaml\n',
        'rn3/exec/kustomization.yaml': 'resources:\n- cm.yaml\n',
        'rn3/chartlink': null,
        'rn3/chartlink/Chart.yaml': chart('rn3-chartlink'),
        'rn3/chartlink/templates/cm.yaml': chartCm,
        'rn3/chartfiles/files/passwd': 'not a secret\n',
        'rn3/broken/templates/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-bad\ndata:\n  region: {{ .Values.region | upper | quote }}\n',
        'rn3/failing/values.yaml': 'tier: base\nregion: eu\n',
        'rn3/regress/templates/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  version: "3"\n',
      },
      { message: 'fix every source' },
    );
    for (const c of CASES.filter((x) => x.helm)) {
      const res = await api.patch(`/api/v1/applications/${c.app}`, { helm: { valueFiles: ['values-prod.yaml'] } });
      expect(res.status, `${c.app}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    const pushed = await announcePush(running.baseUrl, server.url(REPO), fixed, HOOK_SECRET);
    expect(pushed.status, JSON.stringify(pushed.body)).toBeLessThan(300);

    for (const c of CASES) {
      const app = await waitForTargets(
        api,
        c.app,
        [`east/${c.app}`],
        (t) => t.sync === 'Synced' && t.revision?.sha === fixed && t.lastSyncRun?.phase === 'Succeeded',
        `${c.app} recovered`,
        60_000,
      );
      const t = app.status.targets[0] as RenderedTarget;
      expect(t.message, c.app).toBeNull();
      expect(t.renderer, c.app).toBe(c.path.startsWith('rn3/chart') || ['rn3/broken', 'rn3/failing'].includes(c.path) ? 'helm' : 'kustomize');
      const names = (await listOfApplication(east, collectionOf('ConfigMap', c.app), c.app)).map((o) => o.metadata.name);
      expect(names, c.app).toEqual(c.recovered);
    }
    expect((await getPath(east, `${collectionOf('ConfigMap', 'rn3-values')}/rn3-values-cfg`))?.data).toEqual({ password: 'prod-file' });
    expect((await getPath(east, `${collectionOf('ConfigMap', 'rn3-chartfiles')}/rn3-chartfiles-cfg`))?.data).toEqual({ passwd: 'not a secret\n' });
    expect((await getPath(east, `${collectionOf('ConfigMap', 'rn3-broken')}/rn3-broken-bad`))?.data).toEqual({ region: 'EU' });
    await waitForTargets(api, 'rn3-regress', ['east/rn3-regress'], (t) => t.sync === 'Synced' && t.revision?.sha === fixed && t.message === null, 'rn3-regress recovered');
    expect((await listOfApplication(east, collectionOf('ConfigMap', 'rn3-regress'), 'rn3-regress')).map((o) => [o.metadata.name, o.data.version])).toEqual([
      ['rn3-regress-cfg', '2'],
      ['rn3-regress-extra', '3'],
    ]);
    // nothing from outside the repository ever arrived
    for (const c of CASES) {
      const names = (await listOfApplication(east, collectionOf('ConfigMap', c.app), c.app)).map((o) => o.metadata.name);
      expect(
        names.filter((n) => n.startsWith('rn3-stolen') || n === 'rn3-exec-ran'),
        c.app,
      ).toEqual([]);
    }
  }, 180_000);
});
