// Shared by the rendering tests (issue 12): the render counter on /metrics, a reference build of a
// kustomization with the test bed's own kubectl, waits for interval checks, and reads of objects
// of any kind on a test cluster.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { ApiClient } from '../support/api';
import { eventually } from '../support/eventually';
import type { FileChange } from '../support/git-server';
import { getApplication, type TargetView } from '../support/workloads';
import { clusterRequest, type TestCluster } from '../testbed/cluster';

const run = promisify(execFile);

/** `flotilla_renders_total` as the service's /metrics shows it now. */
export async function rendersTotal(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics: ${res.status} ${text.slice(0, 200)}`);
  const line = text.split('\n').find((l) => /^flotilla_renders_total(\{\})? /.test(l));
  if (!line) throw new Error('no flotilla_renders_total on /metrics');
  return Number(line.split(' ').pop());
}

/** A target view with the renderer the service reports for it. */
export type RenderedTarget = TargetView & { renderer: 'plain' | 'kustomize' | 'helm' | null };

/**
 * What `kubectl kustomize <dir>` (the test bed's kubectl, restrictor on, as the service runs it)
 * builds from `files` (repository paths → content), as objects: the reference the cluster's
 * objects are compared with.
 */
export async function kustomizeBuild(kubectl: string, files: Record<string, FileChange>, dir: string): Promise<any[]> {
  const root = await mkdtemp(join(tmpdir(), 'rn-kustomize-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      if (content === null) continue;
      const full = join(root, path);
      await mkdir(dirname(full), { recursive: true });
      if (typeof content === 'string') await writeFile(full, content);
      else await symlink(content.symlink, full);
    }
    const { stdout } = await run(kubectl, ['kustomize', join(root, dir), '--load-restrictor=LoadRestrictionsRootOnly'], { env: { PATH: '/usr/bin:/bin', HOME: root } });
    return parseAllDocuments(stdout)
      .map((d) => d.toJS())
      .filter(Boolean);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Waits until every target of the application has been looked at `checks` more times (its next
 * reconcile time moved on that often): the interval checks that would render again if the cache
 * did not hold.
 */
export async function checksPass(api: ApiClient, app: string, checks: number): Promise<void> {
  const seen = new Map<string, Set<string>>();
  await eventually(
    `${checks} more interval checks of ${app}`,
    async () => {
      for (const t of (await getApplication(api, app)).status.targets as TargetView[]) {
        const key = `${t.cluster}/${t.namespace}`;
        if (!seen.has(key)) seen.set(key, new Set());
        if (t.nextReconcileAt) seen.get(key)!.add(t.nextReconcileAt);
      }
      return [...seen.values()].map((s) => s.size);
    },
    (sizes) => sizes.length > 0 && sizes.every((n) => n > checks),
    45_000,
    250,
  );
}

type ClusterRef = Pick<TestCluster, 'server' | 'caData' | 'adminToken'>;

/** GET any path on a test cluster as its admin; null on 404. */
export async function getPath(cluster: ClusterRef, path: string): Promise<any> {
  const res = await clusterRequest(cluster, cluster.adminToken, 'GET', path);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The objects of one application in a namespace, of the kinds given by their collection paths. */
export async function listOfApplication(cluster: ClusterRef, collection: string, application: string): Promise<any[]> {
  const body = await getPath(cluster, `${collection}?labelSelector=${encodeURIComponent(`flotilla.io/application=${application}`)}`);
  return (body?.items ?? []).sort((a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name));
}

/** The collection path of a namespaced built-in kind the tests use. */
export function collectionOf(kind: string, namespace: string): string {
  const paths: Record<string, string> = {
    ConfigMap: `/api/v1/namespaces/${namespace}/configmaps`,
    Secret: `/api/v1/namespaces/${namespace}/secrets`,
    Service: `/api/v1/namespaces/${namespace}/services`,
    Deployment: `/apis/apps/v1/namespaces/${namespace}/deployments`,
  };
  const path = paths[kind];
  if (!path) throw new Error(`no collection known for ${kind}`);
  return path;
}

/** The last sync run's message and phase, and the target's, in one line for failure output. */
export function targetLine(t: RenderedTarget | undefined): string {
  if (!t) return 'no such target';
  return `${t.cluster}/${t.namespace} sync=${t.sync} health=${t.health} renderer=${t.renderer} rev=${t.revision?.sha.slice(0, 8) ?? '-'} run=${t.lastSyncRun?.phase ?? '-'} message=${t.message ?? ''} runMessage=${t.lastSyncRun?.message ?? ''}`;
}
