// Shared by the rollout tests: a stand-in for the Deployment controller that the test can switch
// off per target (stale or stuck status), the rollout API read, and a TCP forwarder in front of a
// test cluster's API server that can be cut, so a cluster stops answering mid-wave.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TestCluster } from '../testbed/cluster';
import type { ApiClient } from '../support/api';
import { eventually } from '../support/eventually';
import { getObject, markDeploymentReady } from '../support/workloads';

/**
 * What the deployment controller would do, for the Deployments the test lets it handle: once a
 * Deployment's spec changed (generation ahead of observedGeneration) it writes a ready status.
 * Switched off for a target, its status stays as it was — Available from the previous revision.
 */
export class DeploymentController {
  private readonly handled = new Map<string, { cluster: TestCluster; namespace: string; name: string }>();
  private readonly off = new Set<string>();
  private timer?: NodeJS.Timeout;
  private busy = false;

  handle(key: string, cluster: TestCluster, namespace: string, name: string): void {
    this.handled.set(key, { cluster, namespace, name });
  }

  pause(key: string): void {
    this.off.add(key);
  }

  resume(key: string): void {
    this.off.delete(key);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), 200);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const [key, d] of this.handled) {
        if (this.off.has(key)) continue;
        const live = await getObject(d.cluster, 'Deployment', d.namespace, d.name).catch(() => null);
        if (live && live.status?.observedGeneration !== live.metadata.generation) await markDeploymentReady(d.cluster, d.namespace, d.name).catch(() => undefined);
      }
    } finally {
      this.busy = false;
    }
  }
}

export interface RolloutTargetView {
  cluster: string;
  namespace: string;
  state: string;
  from: string | null;
  releasedAt: string | null;
  message: string | null;
}

export interface WaveView {
  name: string;
  state: string;
  total: number;
  done: number;
  startedAt: string | null;
  finishedAt: string | null;
  soakStartedAt: string | null;
  soakRemainingSeconds: number | null;
  approvedBy: string | null;
  targets: RolloutTargetView[];
}

export interface RolloutView {
  id: number;
  application: string;
  revision: string;
  state: string;
  trigger: string;
  actor: string;
  message: string | null;
  haltedTarget: { cluster: string; namespace: string } | null;
  supersedes: number | null;
  supersededBy: number | null;
  startedAt: string;
  finishedAt: string | null;
  waves: WaveView[];
}

export async function getRollout(api: ApiClient, app: string): Promise<RolloutView> {
  const res = await api.get(`/api/v1/applications/${app}/rollout`);
  if (res.status !== 200) throw new Error(`GET rollout of ${app}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const brief = (r: RolloutView) =>
  `#${r.id} ${r.revision.slice(0, 7)} ${r.state} ${r.message ?? ''} | ${r.waves.map((w) => `${w.name}:${w.state}[${w.targets.map((t) => `${t.cluster}=${t.state}${t.message ? `(${t.message})` : ''}`).join(',')}]`).join(' ')}`;

/** Waits until the application's rollout of `revision` passes `ok`; the error shows it as last seen. */
export async function waitForRollout(api: ApiClient, app: string, revision: string, ok: (r: RolloutView) => boolean, what: string, timeoutMs = 40_000): Promise<RolloutView> {
  let last: RolloutView | undefined;
  try {
    return await eventually(
      what,
      async () => (last = await getRollout(api, app).catch(() => undefined as never)),
      (r) => !!r && r.revision === revision && ok(r),
      timeoutMs,
      150,
    );
  } catch {
    throw new Error(`${what}: rollout still ${last ? brief(last) : 'absent'}`);
  }
}

export const ms = (iso: string | null) => (iso === null ? NaN : Date.parse(iso));

/**
 * A TCP forwarder on loopback to a test cluster's API server: TLS passes through untouched (the
 * server's certificate is for 127.0.0.1), so a cluster registered at the forwarder's address works
 * until `cut()`, after which every connection is refused, as with a cluster behind a dead link.
 */
export class Forwarder {
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;

  constructor(private readonly upstream: URL) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const up = connect(Number(this.upstream.port), this.upstream.hostname);
      for (const s of [client, up]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
