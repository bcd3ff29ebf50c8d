// A run history made the way it happens in use, for the summary tests (the API and the charts):
// a real service, a test-bed cluster, a git repository and an application with two targets that
// is synced three times — succeeding, failing on a broken manifest, succeeding again — with a
// webhook channel whose receiver refuses the first delivery (failed for good: one attempt only).
// One target's Deployment is made ready, the other's stays Progressing, so health varies.
import type { TestCluster } from '../testbed/cluster';
import { apiClient, type ApiClient, type ApiResponse } from './api';
import { startApp, type RunningApp } from './app';
import { eventually } from './eventually';
import { GitHttpServer } from './git-server';
import { expectStatus, hooksEnv, webhookChannel, type DeliveryView } from './hooks';
import { WebhookReceiver } from './webhook-receiver';
import { allRuns, clusterBody, configMapYaml, deploymentYaml, markDeploymentReady, type SyncRunView, waitForTargets } from './workloads';

export interface RunHistory {
  running: RunningApp;
  admin: ApiClient;
  /** the application, its cluster, repository and channel: `<prefix>-web`, `<prefix>-c`, … */
  app: string;
  cluster: string;
  channel: string;
  /** cluster/namespace of the two targets; the first is Healthy, the second Progressing */
  targets: { cluster: string; namespace: string }[];
  /** epoch ms just before the service started */
  startedAt: number;
  close(): Promise<void>;
}

/** Every delivery of a channel, walking nextCursor; newest first. */
export async function allDeliveries(api: ApiClient, channel: string): Promise<DeliveryView[]> {
  const out: DeliveryView[] = [];
  let cursor: string | null = null;
  do {
    const res: ApiResponse = await api.get(`/api/v1/channels/${channel}/deliveries?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`deliveries of ${channel}: ${res.status} ${JSON.stringify(res.body)}`);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

export async function produceRunHistory(prefix: string, testCluster: TestCluster, admin: string): Promise<RunHistory> {
  const server = await GitHttpServer.start();
  const receiver = await WebhookReceiver.start();
  const app = `${prefix}-web`;
  const cluster = `${prefix}-c`;
  const repo = `${prefix}-deploy`;
  const channel = `${prefix}-hook`;
  const targets = [
    { cluster, namespace: `${prefix}-one` },
    { cluster, namespace: `${prefix}-two` },
  ];
  const git = await server.createRepository(repo);
  const files = (greeting: string) => ({ 'app/deploy.yaml': deploymentYaml(`${prefix}-web`), 'app/settings.yaml': configMapYaml(`${prefix}-settings`, { greeting }) });
  await git.commit(files('hello'), { message: 'first' });
  const startedAt = Date.now();
  const running = await startApp(hooksEnv(admin, undefined, { FLOTILLA_HOOKS__MAX_ATTEMPTS: '1' }));
  const api = apiClient(running.baseUrl, admin);
  const close = async () => {
    await running.close();
    await receiver.close();
    await server.stop();
  };
  try {
    await expectStatus(api.post('/api/v1/clusters', clusterBody(cluster, testCluster)));
    await expectStatus(api.post('/api/v1/repositories', { name: repo, url: server.url(repo), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', webhookChannel(channel, receiver.url)));
    await expectStatus(
      api.post('/api/v1/applications', {
        name: app,
        repository: repo,
        path: 'app',
        destinations: targets.map((t) => ({ cluster: t.cluster, namespace: t.namespace })),
        syncPolicy: { automated: false },
        hooks: [{ on: ['PostSync', 'SyncFailed'], channel }],
      }),
    );
    // the receiver's first answer is a 500: with one attempt allowed, that delivery fails for good
    receiver.respond({ status: 500, body: 'not now' });

    let runs = 0;
    const syncAndWait = async (phase: string) => {
      await expectStatus(api.post(`/api/v1/applications/${app}/sync`, {}), 202);
      runs += targets.length;
      await eventually(
        `${runs} runs, the last ${targets.length} ${phase}`,
        () => allRuns(api, app),
        (all: SyncRunView[]) => all.length === runs && all.slice(0, targets.length).every((r) => r.phase === phase),
        60_000,
        250,
      );
    };
    await syncAndWait('Succeeded');
    await markDeploymentReady(testCluster, targets[0].namespace, `${prefix}-web`);
    await waitForTargets(
      api,
      app,
      targets.map((t) => `${t.cluster}/${t.namespace}`),
      (t) => t.health === (t.namespace === targets[0].namespace ? 'Healthy' : 'Progressing'),
      'health',
    );

    await git.commit({ 'app/broken.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n' }, { message: 'broken' });
    await expectStatus(api.post(`/api/v1/repositories/${repo}/refresh`), 200);
    await syncAndWait('Failed');

    await git.commit({ 'app/broken.yaml': null, ...files('hello again') }, { message: 'fixed' });
    await expectStatus(api.post(`/api/v1/repositories/${repo}/refresh`), 200);
    await syncAndWait('Succeeded');
    // a test message too (kind test), and then nothing left to send
    await expectStatus(api.post(`/api/v1/channels/${channel}/test`), 200);
    await eventually(
      'every delivery sent or failed',
      () => allDeliveries(api, channel),
      (all) => all.length >= 4 && all.every((d) => d.state !== 'pending'),
      30_000,
      250,
    );
    return { running, admin: api, app, cluster, channel, targets, startedAt, close };
  } catch (e) {
    await close();
    throw e;
  }
}
