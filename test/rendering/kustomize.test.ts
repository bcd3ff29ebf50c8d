// Kustomize through the API (issue 12, SPEC §3 step 2): a base with two overlays used by two
// applications fanned out to both clusters. What lands in each target namespace is what
// `kubectl kustomize` builds (the test bed's kubectl, the one the service runs), placed by
// Flotilla; a path is rendered once per commit however many targets share it
// (`flotilla_renders_total`); a change to the base moves every target of both overlays.
// Names and namespaces on the shared clusters all start with `rn1-`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { GitHttpServer, type FileChange, type TestRepository } from '../support/git-server';
import { announcePush, clusterBody, getApplication, getNamespace, SYNC_ENV, waitForTargets } from '../support/workloads';
import { checksPass, collectionOf, getPath, kustomizeBuild, listOfApplication, rendersTotal, type RenderedTarget } from './support';

const [east, west] = inject('clusters');
const ADMIN = 'rn1-kustomize-admin-token-0123456789';
const HOOK_SECRET = 'rn1-webhook-secret-0123456789';
const REPO = 'rn1-deploy';
const POLICY = { automated: true, prune: true, intervalSeconds: 2 };

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: ${image}
        envFrom:
        - configMapRef: {name: settings}
        ports:
        - containerPort: 8080
`;

const baseKustomization = (greeting: string) => `resources:
- deployment.yaml
- service.yaml
labels:
- pairs: {app.kubernetes.io/part-of: rn1-shop}
configMapGenerator:
- name: settings
  literals:
  - greeting=${greeting}
  - tier=base
`;

const FILES: Record<string, FileChange> = {
  'rn1/base/kustomization.yaml': baseKustomization('hello'),
  'rn1/base/deployment.yaml': deployment('registry.example/web:1.0'),
  'rn1/base/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 8080
`,
  // namespace: set here and ignored: Flotilla puts namespaced objects in the target namespace
  'rn1/overlays/prod/kustomization.yaml': `resources:
- ../../base
namePrefix: prod-
namespace: rn1-not-the-target
patches:
- path: replicas.yaml
configMapGenerator:
- name: settings
  behavior: merge
  literals:
  - tier=prod
- name: motd
  files:
  - motd.txt
`,
  'rn1/overlays/prod/replicas.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
`,
  'rn1/overlays/prod/motd.txt': 'Welcome to prod\n',
  'rn1/overlays/staging/kustomization.yaml': `resources:
- ../../base
namePrefix: staging-
commonAnnotations:
  rn1.flotilla.test/stage: staging
`,
  // the fleet: one ConfigMap, for the 50-target render count
  'rn1/fleet/kustomization.yaml': 'resources: [cm.yaml]\nnameSuffix: -fleet\n',
  'rn1/fleet/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rn1-shared}\ndata: {fleet: "yes"}\n',
};

const KINDS = ['ConfigMap', 'Service', 'Deployment'] as const;

/**
 * The objects of `app` in `namespace` are exactly those of the reference build, each as kustomize
 * built it (subset: the server adds defaults), in the target namespace, with Flotilla's labels
 * and the target's tracking id.
 */
async function expectBuilt(cluster: typeof east, app: string, namespace: string, built: any[]): Promise<void> {
  for (const kind of KINDS) {
    const expected = built
      .filter((o) => o.kind === kind)
      .map((o) => o.metadata.name)
      .sort();
    const live = await listOfApplication(cluster, collectionOf(kind, namespace), app);
    expect(
      live.map((o) => o.metadata.name),
      `${kind}s of ${app} in ${cluster.name}/${namespace}`,
    ).toEqual(expected);
  }
  for (const ref of built) {
    const live = await getPath(cluster, `${collectionOf(ref.kind, namespace)}/${ref.metadata.name}`);
    const what = `${ref.kind} ${ref.metadata.name} in ${cluster.name}/${namespace}`;
    expect(live, what).not.toBeNull();
    expect(live.metadata.namespace, what).toBe(namespace);
    expect(live.metadata.labels, what).toMatchObject({ ...ref.metadata.labels, 'app.kubernetes.io/managed-by': 'flotilla', 'flotilla.io/application': app });
    expect(live.metadata.annotations, what).toMatchObject({ ...ref.metadata.annotations, 'flotilla.io/tracking-id': `${app}:${namespace}` });
    if (ref.kind === 'ConfigMap') expect(live.data, what).toEqual(ref.data);
    else expect(live.spec, what).toMatchObject(ref.spec);
  }
}

describe('kustomize applications', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let api: ApiClient;
  let files: Record<string, FileChange>;
  let first: string;

  beforeAll(async () => {
    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    files = { ...FILES };
    first = await repo.commit(files, { message: 'shop: base, prod and staging overlays' });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    api = apiClient(running.baseUrl, ADMIN);
    for (const [name, cluster] of [
      ['east', east],
      ['west', west],
    ] as const) {
      const res = await api.post('/api/v1/clusters', clusterBody(name, cluster, { rn1: 'yes' }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const res = await api.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
  });

  const fanOut = (name: string, path: string, namespace: string) =>
    api.post('/api/v1/applications', { name, repository: REPO, path, destinations: [{ clusterSelector: { matchLabels: { rn1: 'yes' } }, namespace }], syncPolicy: POLICY });

  it('deploys an overlay to both clusters as kustomize builds it, rendered once for both targets', async () => {
    const before = await rendersTotal(running.baseUrl);
    const created = await fanOut('rn1-prod', 'rn1/overlays/prod', 'rn1-prod-{{cluster.name}}');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const app = await waitForTargets(
      api,
      'rn1-prod',
      ['east/rn1-prod-east', 'west/rn1-prod-west'],
      (t) => t.sync === 'Synced' && t.revision?.sha === first,
      'rn1-prod synced on both clusters',
    );
    const targets = app.status.targets as RenderedTarget[];
    expect(targets.map((t) => t.renderer)).toEqual(['kustomize', 'kustomize']);
    expect(targets.map((t) => [t.lastSyncRun?.phase, t.message])).toEqual([
      ['Succeeded', null],
      ['Succeeded', null],
    ]);

    const built = await kustomizeBuild(east.kubectl, files, 'rn1/overlays/prod');
    // the reference build: prefix, patch and generators as kustomize applies them
    expect(built.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(expect.arrayContaining(['Deployment/prod-web', 'Service/prod-web']));
    const settings = built.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prod-settings-'));
    expect(settings?.data).toEqual({ greeting: 'hello', tier: 'prod' });
    expect(built.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prod-motd-'))?.data).toEqual({ 'motd.txt': 'Welcome to prod\n' });
    const web = built.find((o) => o.kind === 'Deployment');
    expect(web.spec.replicas).toBe(3);
    expect(web.spec.template.spec.containers[0].envFrom[0].configMapRef.name).toBe(settings.metadata.name);
    expect(web.metadata.namespace).toBe('rn1-not-the-target');

    await expectBuilt(east, 'rn1-prod', 'rn1-prod-east', built);
    await expectBuilt(west, 'rn1-prod', 'rn1-prod-west', built);
    // the kustomization's own namespace is not where anything went
    expect(await getNamespace(east, 'rn1-not-the-target')).toBeNull();
    expect(await getNamespace(west, 'rn1-not-the-target')).toBeNull();

    // kustomize output does not depend on the target (Flotilla places it): one render of
    // (commit, rn1/overlays/prod) serves both targets
    expect((await rendersTotal(running.baseUrl)) - before).toBe(1);
  }, 120_000);

  it('deploys a second overlay of the same base as a second application, and interval checks render nothing again', async () => {
    const before = await rendersTotal(running.baseUrl);
    const created = await fanOut('rn1-staging', 'rn1/overlays/staging', 'rn1-staging');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const app = await waitForTargets(
      api,
      'rn1-staging',
      ['east/rn1-staging', 'west/rn1-staging'],
      (t) => t.sync === 'Synced' && t.revision?.sha === first,
      'rn1-staging synced on both clusters',
    );
    expect((app.status.targets as RenderedTarget[]).map((t) => t.renderer)).toEqual(['kustomize', 'kustomize']);
    const built = await kustomizeBuild(east.kubectl, files, 'rn1/overlays/staging');
    expect(built.find((o) => o.kind === 'ConfigMap')?.data).toEqual({ greeting: 'hello', tier: 'base' });
    expect(built.find((o) => o.kind === 'Deployment')?.metadata.annotations).toEqual({ 'rn1.flotilla.test/stage': 'staging' });
    await expectBuilt(east, 'rn1-staging', 'rn1-staging', built);
    await expectBuilt(west, 'rn1-staging', 'rn1-staging', built);
    expect((await rendersTotal(running.baseUrl)) - before).toBe(1);

    // several interval checks of every target of both applications later: still one render each
    await Promise.all([checksPass(api, 'rn1-staging', 3), checksPass(api, 'rn1-prod', 3)]);
    expect((await rendersTotal(running.baseUrl)) - before).toBe(1);
  }, 120_000);

  it('moves every target of both overlays when the base changes, one render per overlay', async () => {
    const oldProd = (await kustomizeBuild(east.kubectl, files, 'rn1/overlays/prod')).filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
    files = { ...files, 'rn1/base/kustomization.yaml': baseKustomization('bonjour'), 'rn1/base/deployment.yaml': deployment('registry.example/web:1.1') };
    const second = await repo.commit(
      { 'rn1/base/kustomization.yaml': files['rn1/base/kustomization.yaml'], 'rn1/base/deployment.yaml': files['rn1/base/deployment.yaml'] },
      { message: 'base: greet in French, web 1.1' },
    );
    const before = await rendersTotal(running.baseUrl);
    const pushed = await announcePush(running.baseUrl, server.url(REPO), second, HOOK_SECRET);
    expect(pushed.status, JSON.stringify(pushed.body)).toBeLessThan(300);

    for (const name of ['rn1-prod', 'rn1-staging']) {
      const keys = name === 'rn1-prod' ? ['east/rn1-prod-east', 'west/rn1-prod-west'] : ['east/rn1-staging', 'west/rn1-staging'];
      await waitForTargets(api, name, keys, (t) => t.sync === 'Synced' && t.revision?.sha === second && t.lastSyncRun?.phase === 'Succeeded', `${name} at the new base`);
    }
    const prod = await kustomizeBuild(east.kubectl, files, 'rn1/overlays/prod');
    const staging = await kustomizeBuild(east.kubectl, files, 'rn1/overlays/staging');
    expect(prod.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prod-settings-'))?.data).toEqual({ greeting: 'bonjour', tier: 'prod' });
    expect(prod.find((o) => o.kind === 'Deployment')?.spec.template.spec.containers[0].image).toBe('registry.example/web:1.1');
    await expectBuilt(east, 'rn1-prod', 'rn1-prod-east', prod);
    await expectBuilt(west, 'rn1-prod', 'rn1-prod-west', prod);
    await expectBuilt(east, 'rn1-staging', 'rn1-staging', staging);
    await expectBuilt(west, 'rn1-staging', 'rn1-staging', staging);
    // the settings ConfigMap got a new hash suffix; the old one was pruned (prune is on), the
    // unchanged motd kept its name
    const newProd = prod.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
    const gone = oldProd.filter((n) => !newProd.includes(n));
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatch(/^prod-settings-/);
    expect(await getPath(east, `${collectionOf('ConfigMap', 'rn1-prod-east')}/${gone[0]}`)).toBeNull();
    expect(await getPath(west, `${collectionOf('ConfigMap', 'rn1-prod-west')}/${gone[0]}`)).toBeNull();

    // two paths at the new commit, each rendered once for its two targets
    expect((await rendersTotal(running.baseUrl)) - before).toBe(2);
  }, 120_000);

  it('renders a path once for 50 targets on two clusters', async () => {
    const before = await rendersTotal(running.baseUrl);
    const namespaces = Array.from({ length: 25 }, (_, i) => `rn1-fleet-${String(i).padStart(2, '0')}`);
    const created = await api.post('/api/v1/applications', {
      name: 'rn1-fleet',
      repository: REPO,
      path: 'rn1/fleet',
      syncPolicy: POLICY,
      destinations: namespaces.map((namespace) => ({ clusterSelector: { matchLabels: { rn1: 'yes' } }, namespace })),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const keys = ['east', 'west'].flatMap((c) => namespaces.map((n) => `${c}/${n}`));
    await waitForTargets(api, 'rn1-fleet', keys, (t) => t.sync === 'Synced' && !!t.revision, 'the 50 fleet targets synced', 180_000);
    const app = await getApplication(api, 'rn1-fleet');
    expect(app.status.summary).toMatchObject({ targets: 50, synced: 50 });
    expect(new Set((app.status.targets as RenderedTarget[]).map((t) => t.renderer))).toEqual(new Set(['kustomize']));
    for (const [cluster, namespace] of [
      [east, namespaces[0]],
      [west, namespaces[24]],
    ] as const) {
      const cm = await getPath(cluster, `${collectionOf('ConfigMap', namespace)}/rn1-shared-fleet`);
      expect(cm?.data, `${cluster.name}/${namespace}`).toEqual({ fleet: 'yes' });
      expect(cm.metadata.annotations['flotilla.io/tracking-id']).toBe(`rn1-fleet:${namespace}`);
    }
    expect((await rendersTotal(running.baseUrl)) - before).toBe(1);
  }, 240_000);
});
