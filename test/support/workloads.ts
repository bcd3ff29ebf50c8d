// Shared by the application tests: the service settings they run with, manifests as YAML text,
// what a controller-manager would do (write a Deployment's status), reads of what landed in a
// cluster, signed GitHub pushes, and small readers of the application API.
import { signGithub } from '../../src/git';
import { clusterRequest, type TestCluster } from '../testbed/cluster';
import { apiClient, type ApiClient, type ApiResponse } from './api';
import { eventually } from './eventually';

/** Settings that let applications reconcile every 2 s and clusters be checked every second. */
export const SYNC_ENV: Record<string, string> = {
  FLOTILLA_LOG_LEVEL: 'warn',
  FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true',
  FLOTILLA_GIT__MIN_POLL_INTERVAL_SECONDS: '1',
  FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '1',
  FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: '2',
  FLOTILLA_SYNC__MIN_INTERVAL_SECONDS: '1',
  FLOTILLA_SYNC__BACKOFF_BASE_SECONDS: '1',
  FLOTILLA_SYNC__BACKOFF_MAX_SECONDS: '3',
  FLOTILLA_SYNC__HEALTH_RECHECK_SECONDS: '1',
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- manifests -------------------------------------------------------------------------------

export function configMapYaml(name: string, data: Record<string, string>, labels: Record<string, string> = {}): string {
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    ...labelLines(labels, '  '),
    'data:',
    ...Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
    '',
  ].join('\n');
}

export function deploymentYaml(name: string, replicas = 1, image = 'registry.example/web:1.0'): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    `    app: ${name}`,
    'spec:',
    `  replicas: ${replicas}`,
    '  selector:',
    '    matchLabels:',
    `      app: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${name}`,
    '    spec:',
    '      containers:',
    '      - name: main',
    `        image: ${image}`,
    '        ports:',
    '        - containerPort: 8080',
    '',
  ].join('\n');
}

export function serviceYaml(name: string): string {
  return [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    `    app: ${name}`,
    'spec:',
    '  type: ClusterIP',
    '  selector:',
    `    app: ${name}`,
    '  ports:',
    '  - name: http',
    '    port: 80',
    '    targetPort: 8080',
    '',
  ].join('\n');
}

function labelLines(labels: Record<string, string>, indent: string): string[] {
  const entries = Object.entries(labels);
  if (!entries.length) return [];
  return [`${indent}labels:`, ...entries.map(([k, v]) => `${indent}  ${k}: ${JSON.stringify(v)}`)];
}

// ---- the clusters, as kubectl and controllers see them ----------------------------------------

type ClusterRef = Pick<TestCluster, 'server' | 'caData' | 'adminToken'>;

const PATHS: Record<string, (ns: string) => string> = {
  ConfigMap: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  Service: (ns) => `/api/v1/namespaces/${ns}/services`,
  Secret: (ns) => `/api/v1/namespaces/${ns}/secrets`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  ReplicaSet: (ns) => `/apis/apps/v1/namespaces/${ns}/replicasets`,
  Pod: (ns) => `/api/v1/namespaces/${ns}/pods`,
};

function collection(kind: string, namespace: string): string {
  const path = PATHS[kind];
  if (!path) throw new Error(`no path known for ${kind}`);
  return path(namespace);
}

/** One object as the API server holds it, or null when it is not there. */
export async function getObject(cluster: ClusterRef, kind: string, namespace: string, name: string): Promise<any> {
  const res = await clusterRequest(cluster, cluster.adminToken, 'GET', `${collection(kind, namespace)}/${name}`);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET ${kind} ${namespace}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function getNamespace(cluster: ClusterRef, name: string): Promise<any> {
  const res = await clusterRequest(cluster, cluster.adminToken, 'GET', `/api/v1/namespaces/${name}`);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET namespace ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Names of the objects of a kind in a namespace that carry `flotilla.io/application: <application>`. */
export async function namesOfApplication(cluster: ClusterRef, kind: string, namespace: string, application: string): Promise<string[]> {
  const selector = encodeURIComponent(`flotilla.io/application=${application}`);
  const res = await clusterRequest(cluster, cluster.adminToken, 'GET', `${collection(kind, namespace)}?labelSelector=${selector}`);
  if (res.status !== 200) throw new Error(`LIST ${kind} in ${namespace}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items.map((o: { metadata: { name: string } }) => o.metadata.name).sort();
}

/** Creates an object by hand, as someone with kubectl would (no Flotilla labels). */
export async function createObject(cluster: ClusterRef, kind: string, namespace: string, object: Record<string, unknown>): Promise<any> {
  const res = await clusterRequest(cluster, cluster.adminToken, 'POST', collection(kind, namespace), object);
  if (res.status !== 201) throw new Error(`POST ${kind} in ${namespace}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * What the deployment and replicaset controllers would create for a Deployment (the test bed runs
 * no controller-manager): a ReplicaSet owned by it (by uid) and its Pods owned by that, labelled
 * and specified as the Deployment's template says (so its Service's selector picks them).
 */
export async function createReplicaSetAndPods(
  cluster: ClusterRef,
  namespace: string,
  deployment: string,
  replicaSet: string,
  pods: string[],
  replicas = pods.length,
): Promise<void> {
  const deploy = await getObject(cluster, 'Deployment', namespace, deployment);
  if (!deploy) throw new Error(`no Deployment ${namespace}/${deployment} to own a ReplicaSet`);
  const { labels } = deploy.spec.template.metadata;
  const owner = (kind: string, name: string, uid: string) => [{ apiVersion: 'apps/v1', kind, name, uid, controller: true }];
  const rs = await createObject(cluster, 'ReplicaSet', namespace, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: replicaSet, labels, ownerReferences: owner('Deployment', deployment, deploy.metadata.uid) },
    spec: { replicas, selector: deploy.spec.selector, template: deploy.spec.template },
  });
  for (const pod of pods) {
    await createObject(cluster, 'Pod', namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, labels, ownerReferences: owner('ReplicaSet', replicaSet, rs.metadata.uid) },
      spec: deploy.spec.template.spec,
    });
  }
}

/** A hand edit, as `kubectl edit` makes it: a merge patch by another field manager. */
export async function editObject(cluster: ClusterRef, kind: string, namespace: string, name: string, patch: Record<string, unknown>): Promise<any> {
  const res = await clusterRequest(cluster, cluster.adminToken, 'PATCH', `${collection(kind, namespace)}/${name}?fieldManager=kubectl-edit`, patch, 'application/merge-patch+json');
  if (res.status !== 200) throw new Error(`PATCH ${kind} ${namespace}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function deleteObject(cluster: ClusterRef, kind: string, namespace: string, name: string): Promise<void> {
  const res = await clusterRequest(cluster, cluster.adminToken, 'DELETE', `${collection(kind, namespace)}/${name}`);
  if (res.status !== 200 && res.status !== 202) throw new Error(`DELETE ${kind} ${namespace}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * Writes a Deployment's status as the deployment controller would once its pods run: the current
 * generation observed, every replica updated, ready and available. Waits for the Deployment.
 */
export async function markDeploymentReady(cluster: ClusterRef, namespace: string, name: string): Promise<void> {
  const live = await eventually(
    `Deployment ${namespace}/${name}`,
    () => getObject(cluster, 'Deployment', namespace, name),
    (d) => d !== null,
    30_000,
  );
  const replicas = live.spec.replicas ?? 1;
  const now = new Date().toISOString();
  const status = {
    observedGeneration: live.metadata.generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: now, lastTransitionTime: now },
      {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${name}-1" has successfully progressed.`,
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
    ],
  };
  const res = await clusterRequest(cluster, cluster.adminToken, 'PATCH', `${collection('Deployment', namespace)}/${name}/status`, { status }, 'application/merge-patch+json');
  if (res.status !== 200) throw new Error(`status of Deployment ${namespace}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Degraded as the deployment controller says it: the rollout gave up (ProgressDeadlineExceeded). */
export async function markDeploymentStuck(cluster: ClusterRef, namespace: string, name: string): Promise<void> {
  const live = await getObject(cluster, 'Deployment', namespace, name);
  const now = new Date().toISOString();
  const status = {
    observedGeneration: live.metadata.generation,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 0,
    availableReplicas: 0,
    unavailableReplicas: 1,
    conditions: [
      {
        type: 'Available',
        status: 'False',
        reason: 'MinimumReplicasUnavailable',
        message: 'Deployment does not have minimum availability.',
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${name}-2" has timed out progressing.`,
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
    ],
  };
  const res = await clusterRequest(cluster, cluster.adminToken, 'PATCH', `${collection('Deployment', namespace)}/${name}/status`, { status }, 'application/merge-patch+json');
  if (res.status !== 200) throw new Error(`status of Deployment ${namespace}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

// ---- git pushes --------------------------------------------------------------------------------

/** A GitHub push event for `cloneUrl`'s main branch, signed with the repository's webhook secret. */
export function githubPush(cloneUrl: string, after: string, secret: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: cloneUrl, html_url: cloneUrl.replace(/\.git$/, '') } });
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `d-${after.slice(0, 12)}`, 'x-hub-signature-256': signGithub(body, secret) },
  };
}

/** Announces a push to Flotilla's webhook receiver, anonymously as GitHub does. */
export async function announcePush(baseUrl: string, cloneUrl: string, after: string, secret: string): Promise<ApiResponse> {
  const push = githubPush(cloneUrl, after, secret);
  return apiClient(baseUrl).call('POST', '/api/v1/webhooks/git', push.body, push.headers);
}

// ---- the application API -------------------------------------------------------------------------

export interface TargetView {
  cluster: string;
  namespace: string;
  sync: string;
  health: string;
  message: string | null;
  revision: null | { sha: string; shortSha: string; subject: string; author: string };
  desiredRevision: string | null;
  lastSyncRun: null | { id: number; phase: string; trigger: string; startedAt: string; finishedAt: string | null; message: string | null };
  leaving: boolean;
  failures: number;
  nextReconcileAt: string | null;
  resources?: { group: string; version: string; kind: string; namespace: string; name: string; sync: string; health: string; message: string | null }[];
}

export interface SyncRunView {
  id: number;
  application: string;
  cluster: string;
  namespace: string;
  revision: string;
  trigger: string;
  actor: string;
  phase: string;
  startedAt: string;
  finishedAt: string | null;
  message: string | null;
  counts: { created: number; configured: number; unchanged: number; pruned: number; skipped: number; failed: number };
  changes: null | { group: string; version: string; kind: string; namespace: string; name: string; action: string; message: string | null }[];
}

export const targetKey = (t: { cluster: string; namespace: string }) => `${t.cluster}/${t.namespace}`;

/** GET /applications/:name, failing on anything but 200. */
export async function getApplication(api: ApiClient, name: string): Promise<any> {
  const res = await api.get(`/api/v1/applications/${name}`);
  if (res.status !== 200) throw new Error(`GET application ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A short picture of the targets for failure messages: cluster/namespace sync health sha message. */
export function describeTargets(targets: TargetView[]): string[] {
  return targets.map((t) => `${targetKey(t)} ${t.sync} ${t.health} ${t.revision?.sha.slice(0, 8) ?? '-'} ${t.lastSyncRun?.phase ?? '-'} ${t.message ?? ''}`);
}

/**
 * Waits until the application has exactly `keys` as targets and every one of them passes `ok`.
 * The error names the targets as they were last seen.
 */
export async function waitForTargets(api: ApiClient, name: string, keys: string[], ok: (t: TargetView) => boolean, what: string, timeoutMs = 60_000): Promise<any> {
  let last: any;
  try {
    return await eventually(
      what,
      async () => (last = await getApplication(api, name)),
      (app) => {
        const targets: TargetView[] = app.status.targets;
        return JSON.stringify(targets.map(targetKey).sort()) === JSON.stringify([...keys].sort()) && targets.every(ok);
      },
      timeoutMs,
      250,
    );
  } catch (e) {
    const seen = describeTargets(last?.status?.targets ?? []);
    const cause = String((e as Error).message).slice(0, 300);
    throw new Error(`${what}: targets still ${JSON.stringify(seen, null, 1)}${last ? '' : ` (${cause})`}`, { cause: e });
  }
}

/** Every sync run in /history (optionally of one target), walking nextCursor; newest first. */
export async function allRuns(api: ApiClient, name: string, target?: { cluster: string; namespace: string }, limit = 20): Promise<SyncRunView[]> {
  const runs: SyncRunView[] = [];
  let cursor: string | null = null;
  const filter = target ? `&cluster=${encodeURIComponent(target.cluster)}&namespace=${encodeURIComponent(target.namespace)}` : '';
  for (let page = 0; page < 1000; page++) {
    const res: ApiResponse = await api.get(`/api/v1/applications/${name}/history?limit=${limit}${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`history of ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    runs.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return runs;
  }
  throw new Error(`history of ${name} never ends`);
}

/** The body that registers a test cluster in Flotilla under `name`, by its admin token. */
export function clusterBody(name: string, cluster: ClusterRef, labels: Record<string, string> = {}) {
  return { name, server: cluster.server, labels, tls: { caData: cluster.caData }, auth: { type: 'bearerToken', token: cluster.adminToken } };
}
