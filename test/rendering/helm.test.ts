// Helm through the API (issue 12, SPEC §3 step 2): one chart — values.yaml, a per-environment
// value file chosen by a cluster label, inline values templated per cluster, a vendored subchart
// and a `file://` dependency elsewhere in the repository — fanned out to both clusters and to a
// second namespace on one of them. Release = application name, namespace = target namespace.
// `.Capabilities` are each cluster's own: a CRD installed on east only makes the chart render an
// object of it there and nowhere else, and the Kubernetes version is the cluster's (helm's
// built-in default, without --kube-version, is v1.37.0, not the test bed's).
// Names and namespaces on the shared clusters all start with `rn2-`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { announcePush, clusterBody, SYNC_ENV, waitForTargets } from '../support/workloads';
import { clusterRequest } from '../testbed/cluster';
import { checksPass, collectionOf, getPath, listOfApplication, rendersTotal, type RenderedTarget } from './support';

const [east, west] = inject('clusters');
const ADMIN = 'rn2-helm-admin-token-0123456789abc';
const HOOK_SECRET = 'rn2-webhook-secret-0123456789';
const REPO = 'rn2-charts';
const APP = 'rn2-web';
const GROUP = 'rn2.flotilla.test';
const CRD = `rn2gadgets.${GROUP}`;
const GADGETS = (ns: string) => `/apis/${GROUP}/v1/namespaces/${ns}/rn2gadgets`;
const KEYS = ['east/rn2-web', 'east/rn2-web-b', 'west/rn2-web'];

const values = (greeting: string) => `region: none
tier: base
greeting: ${greeting}
cluster: unknown
nested:
  list: [default]
sidecar:
  mode: default
`;

const FILES = {
  'rn2/chart/Chart.yaml': `apiVersion: v2
name: rn2-web-chart
version: 0.1.0
dependencies:
- name: sidecar
  version: 0.1.0
- name: rn2lib
  version: 0.2.0
  repository: file://../lib
`,
  'rn2/chart/values.yaml': values('hello'),
  // inline values come after value files: region from here loses to the inline one
  'rn2/chart/values-prod.yaml': 'tier: prod\nregion: from-value-file\nsidecar:\n  mode: prod\n',
  'rn2/chart/values-staging.yaml': 'tier: staging\n',
  'rn2/chart/templates/settings.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
data:
  region: {{ .Values.region | quote }}
  tier: {{ .Values.tier | quote }}
  greeting: {{ .Values.greeting | quote }}
  cluster: {{ .Values.cluster | quote }}
  nested: {{ index .Values.nested.list 0 | quote }}
  release: {{ .Release.Name | quote }}
  namespace: {{ .Release.Namespace | quote }}
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
  kubeMinor: {{ .Capabilities.KubeVersion.Minor | quote }}
  kubeBranch: {{ if semverCompare ">=1.37-0" .Capabilities.KubeVersion.Version }}"1.37-or-later"{{ else }}"before-1.37"{{ end }}
  hasDeployments: {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" | quote }}
  hasGadgets: {{ .Capabilities.APIVersions.Has "${GROUP}/v1/Rn2Gadget" | quote }}
  hasNothing: {{ .Capabilities.APIVersions.Has "${GROUP}/v1/Rn2Nothing" | quote }}
`,
  'rn2/chart/templates/gadget.yaml': `{{- if .Capabilities.APIVersions.Has "${GROUP}/v1/Rn2Gadget" }}
apiVersion: ${GROUP}/v1
kind: Rn2Gadget
metadata:
  name: {{ .Release.Name }}-gadget
spec:
  region: {{ .Values.region | quote }}
{{- end }}
`,
  'rn2/chart/charts/sidecar/Chart.yaml': 'apiVersion: v2\nname: sidecar\nversion: 0.1.0\n',
  'rn2/chart/charts/sidecar/values.yaml': 'mode: sidecar-default\n',
  'rn2/chart/charts/sidecar/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-sidecar\ndata:\n  mode: {{ .Values.mode | quote }}\n',
  'rn2/lib/Chart.yaml': 'apiVersion: v2\nname: rn2lib\nversion: 0.2.0\n',
  'rn2/lib/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-lib\ndata:\n  from: rn2lib\n  namespace: {{ .Release.Namespace | quote }}\n',
};

const CRD_BODY = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: CRD },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'rn2gadgets', singular: 'rn2gadget', kind: 'Rn2Gadget', listKind: 'Rn2GadgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

describe('helm applications', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let api: ApiClient;
  let first: string;
  let kube: { gitVersion: string; minor: string };

  beforeAll(async () => {
    // the CRD exists on east only, before the service first reads east's capabilities
    const crd = await clusterRequest(east, east.adminToken, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD_BODY);
    expect([201, 409], JSON.stringify(crd.body)).toContain(crd.status);
    await eventually(
      'Rn2Gadget served on east',
      () => getPath(east, `/apis/${GROUP}/v1`),
      (d) => !!d?.resources?.some((r: { kind: string }) => r.kind === 'Rn2Gadget'),
      30_000,
      200,
    );
    expect(await getPath(west, `/apis/${GROUP}/v1`)).toBeNull();
    const version = (await clusterRequest(east, east.adminToken, 'GET', '/version')).body;
    kube = { gitVersion: version.gitVersion, minor: String(version.minor).replace(/\D.*$/, '') };

    server = await GitHttpServer.start();
    repo = await server.createRepository(REPO);
    first = await repo.commit(FILES, { message: 'web chart' });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    api = apiClient(running.baseUrl, ADMIN);
    for (const [name, cluster, labels] of [
      ['east', east, { rn2: 'yes', env: 'prod', region: 'eu' }],
      ['west', west, { rn2: 'yes', env: 'staging', region: 'us' }],
    ] as const) {
      const res = await api.post('/api/v1/clusters', clusterBody(name, cluster, labels));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const res = await api.post('/api/v1/repositories', { name: REPO, url: server.url(REPO), pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });
  afterAll(async () => {
    await running?.close();
    await server?.stop();
    await clusterRequest(east, east.adminToken, 'DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}`).catch(() => undefined);
  });

  const settingsOf = async (cluster: typeof east, namespace: string) => (await getPath(cluster, `${collectionOf('ConfigMap', namespace)}/${APP}-settings`))?.data;

  it('renders the chart per cluster: value files and inline values by cluster labels, capabilities of each cluster, release and namespace of the target', async () => {
    const before = await rendersTotal(running.baseUrl);
    const created = await api.post('/api/v1/applications', {
      name: APP,
      repository: REPO,
      path: 'rn2/chart',
      helm: {
        valueFiles: ['values-{{cluster.labels.env}}.yaml'],
        values: { region: '{{cluster.labels.region}}', cluster: '{{cluster.name}}', nested: { list: ['{{cluster.name}}-first'] } },
      },
      destinations: [
        { clusterSelector: { matchLabels: { rn2: 'yes' } }, namespace: 'rn2-web' },
        { cluster: 'east', namespace: 'rn2-web-b' },
      ],
      syncPolicy: { automated: true, prune: true, intervalSeconds: 2 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.helm).toEqual({
      valueFiles: ['values-{{cluster.labels.env}}.yaml'],
      values: { region: '{{cluster.labels.region}}', cluster: '{{cluster.name}}', nested: { list: ['{{cluster.name}}-first'] } },
    });
    const app = await waitForTargets(api, APP, KEYS, (t) => t.sync === 'Synced' && t.revision?.sha === first, 'rn2-web synced on its three targets');
    const targets = app.status.targets as RenderedTarget[];
    expect(targets.map((t) => [t.renderer, t.lastSyncRun?.phase, t.message])).toEqual(KEYS.map(() => ['helm', 'Succeeded', null]));

    const kubeBranch = Number(kube.minor) >= 37 ? '1.37-or-later' : 'before-1.37';
    const common = {
      greeting: 'hello',
      release: APP,
      kubeVersion: kube.gitVersion,
      kubeMinor: kube.minor,
      kubeBranch,
      hasDeployments: 'true',
      hasNothing: 'false',
    };
    expect(await settingsOf(east, 'rn2-web')).toEqual({
      ...common,
      region: 'eu',
      tier: 'prod',
      cluster: 'east',
      nested: 'east-first',
      namespace: 'rn2-web',
      hasGadgets: 'true',
    });
    expect(await settingsOf(east, 'rn2-web-b')).toEqual({
      ...common,
      region: 'eu',
      tier: 'prod',
      cluster: 'east',
      nested: 'east-first',
      namespace: 'rn2-web-b',
      hasGadgets: 'true',
    });
    expect(await settingsOf(west, 'rn2-web')).toEqual({
      ...common,
      region: 'us',
      tier: 'staging',
      cluster: 'west',
      nested: 'west-first',
      namespace: 'rn2-web',
      hasGadgets: 'false',
    });
    // the vendored subchart gets the parent's values for it (values.yaml, then values-prod.yaml,
    // over its own default); the file:// dependency is packaged
    for (const [cluster, namespace, mode] of [
      [east, 'rn2-web', 'prod'],
      [east, 'rn2-web-b', 'prod'],
      [west, 'rn2-web', 'default'],
    ] as const) {
      const where = `${cluster.name}/${namespace}`;
      expect((await getPath(cluster, `${collectionOf('ConfigMap', namespace)}/${APP}-sidecar`))?.data, where).toEqual({ mode });
      expect((await getPath(cluster, `${collectionOf('ConfigMap', namespace)}/${APP}-lib`))?.data, where).toEqual({ from: 'rn2lib', namespace });
      const names = (await listOfApplication(cluster, collectionOf('ConfigMap', namespace), APP)).map((c) => c.metadata.name);
      expect(names, where).toEqual([`${APP}-lib`, `${APP}-settings`, `${APP}-sidecar`]);
      const settings = await getPath(cluster, `${collectionOf('ConfigMap', namespace)}/${APP}-settings`);
      expect(settings.metadata.annotations['flotilla.io/tracking-id'], where).toBe(`${APP}:${namespace}`);
    }
    // the custom resource exists where its kind is served, and only there
    for (const namespace of ['rn2-web', 'rn2-web-b']) {
      const gadget = await getPath(east, `${GADGETS(namespace)}/${APP}-gadget`);
      expect(gadget?.spec, `east/${namespace}`).toEqual({ region: 'eu' });
      expect(gadget.metadata.annotations['flotilla.io/tracking-id']).toBe(`${APP}:${namespace}`);
    }
    expect(targets.find((t) => t.cluster === 'west')?.resources?.some((r) => r.kind === 'Rn2Gadget')).toBe(false);
    expect(targets.filter((t) => t.cluster === 'east').map((t) => t.resources?.some((r) => r.kind === 'Rn2Gadget' && r.name === `${APP}-gadget`))).toEqual([true, true]);

    // A helm render is keyed by (commit, path) plus release, namespace, the templated value files
    // and values, and the cluster's capabilities (desired-state.ts, Renderers.parameters):
    //   east/rn2-web    release rn2-web, ns rn2-web,   values-prod.yaml,    region eu, east's APIs
    //   east/rn2-web-b  same values and capabilities, but another namespace (.Release.Namespace)
    //   west/rn2-web    other value file, other inline values, west's APIs (no Rn2Gadget)
    // so three renders, one per target — and none again on later interval checks.
    expect((await rendersTotal(running.baseUrl)) - before).toBe(3);
    await checksPass(api, APP, 3);
    expect((await rendersTotal(running.baseUrl)) - before).toBe(3);
  }, 120_000);

  it('renders again, once per target, for a new commit, and for new inline values', async () => {
    const second = await repo.commit({ 'rn2/chart/values.yaml': values('bonjour') }, { message: 'greet in French' });
    let before = await rendersTotal(running.baseUrl);
    const pushed = await announcePush(running.baseUrl, server.url(REPO), second, HOOK_SECRET);
    expect(pushed.status, JSON.stringify(pushed.body)).toBeLessThan(300);
    await waitForTargets(api, APP, KEYS, (t) => t.sync === 'Synced' && t.revision?.sha === second && t.lastSyncRun?.phase === 'Succeeded', 'rn2-web at the second commit');
    for (const [cluster, namespace] of [
      [east, 'rn2-web'],
      [east, 'rn2-web-b'],
      [west, 'rn2-web'],
    ] as const) {
      expect((await settingsOf(cluster, namespace))?.greeting, `${cluster.name}/${namespace}`).toBe('bonjour');
    }
    expect((await rendersTotal(running.baseUrl)) - before).toBe(3);

    // new inline values are new render parameters for every target (same commit)
    before = await rendersTotal(running.baseUrl);
    const patched = await api.patch(`/api/v1/applications/${APP}`, {
      helm: {
        valueFiles: ['values-{{cluster.labels.env}}.yaml'],
        values: { region: '{{cluster.labels.region}}-2', cluster: '{{cluster.name}}', nested: { list: ['{{cluster.name}}-first'] } },
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const synced = await api.post(`/api/v1/applications/${APP}/sync`, {});
    expect(synced.status, JSON.stringify(synced.body)).toBe(202);
    await eventually(
      'the new region applied everywhere',
      async () => Promise.all([settingsOf(east, 'rn2-web'), settingsOf(east, 'rn2-web-b'), settingsOf(west, 'rn2-web')]),
      (all) => all.map((d) => d?.region).join() === 'eu-2,eu-2,us-2',
      60_000,
      250,
    );
    await waitForTargets(api, APP, KEYS, (t) => t.sync === 'Synced' && t.lastSyncRun?.phase === 'Succeeded', 'rn2-web synced with the new values');
    expect((await getPath(east, `${GADGETS('rn2-web')}/${APP}-gadget`))?.spec).toEqual({ region: 'eu-2' });
    expect((await rendersTotal(running.baseUrl)) - before).toBe(3);
  }, 120_000);
});
