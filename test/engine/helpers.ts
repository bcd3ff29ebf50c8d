// Shared by the engine's integration tests: clients for the test-bed clusters, unique names,
// manifest trees on disk.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KubeClient } from '../../src/kube';
import type { TestCluster } from '../testbed/cluster';

export function adminClient(c: TestCluster): KubeClient {
  return KubeClient.fromCredentials({ server: c.server, caData: c.caData, token: c.adminToken });
}

export function limitedClient(c: TestCluster): KubeClient {
  return KubeClient.fromCredentials({ server: c.server, caData: c.caData, token: c.limitedToken });
}

/** `eng-<random>`: namespaces and cluster-scoped names no other test file uses. */
export function uniqueName(prefix = 'eng'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Writes files (relative path → text) below a fresh directory; returns it. */
export function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'flotilla-engine-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

export function configMap(name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data };
}

export function deployment(name: string, replicas = 1, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'registry.example/app:1.0', ports: [{ containerPort: 8080 }] }] },
      },
      ...extra,
    },
  };
}

export interface RecordedCalls {
  /** GETs of single objects */
  reads: number;
  /** server-side apply dry runs */
  dryRuns: number;
  /** everything that changes the cluster: `apply ConfigMap/x`, `delete ConfigMap/x`, … */
  writes: string[];
  reset(): void;
}

/** Counts the calls the engine makes through `client` from now on (the client is patched in place). */
export function recordCalls(client: KubeClient): RecordedCalls {
  const calls: RecordedCalls = {
    reads: 0,
    dryRuns: 0,
    writes: [],
    reset() {
      calls.reads = 0;
      calls.dryRuns = 0;
      calls.writes = [];
    },
  };
  // the originals, bound to the client they came from: the patched methods replace them on it
  const get = client.get.bind(client);
  const apply = client.apply.bind(client);
  const create = client.create.bind(client);
  const remove = client.delete.bind(client);
  const patchStatus = client.patchStatus.bind(client);
  client.get = (...a) => {
    calls.reads++;
    return get(...a);
  };
  client.apply = (obj, opts) => {
    if (opts.dryRun) calls.dryRuns++;
    else calls.writes.push(`apply ${obj.kind}/${obj.metadata.name}`);
    return apply(obj, opts);
  };
  client.create = (obj, opts) => {
    if (!opts?.dryRun) calls.writes.push(`create ${obj.kind}/${obj.metadata.name}`);
    return create(obj, opts);
  };
  client.delete = (...a) => {
    calls.writes.push(`delete ${a[1]}/${a[2]}`);
    return remove(...a);
  };
  client.patchStatus = (...a) => {
    calls.writes.push(`patch status ${a[1]}/${a[2]}`);
    return patchStatus(...a);
  };
  return calls;
}
