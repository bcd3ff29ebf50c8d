// Change gates: a PreSync hook with `gate: true` on a webhook channel is asked before anything is
// applied. Answering 403 with a reason ends the run Blocked with that status and reason as its
// message, nothing in the cluster, and a SyncFailed event to the other hooks; not answering in
// time blocks too; answering 200 lets the next run apply.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { ceType, deliveriesOf, eventsAt, expectStatus, hooksEnv, waitForEvents, webhookChannel } from '../support/hooks';
import { WebhookReceiver } from '../support/webhook-receiver';
import { allRuns, clusterBody, configMapYaml, getNamespace, getObject, type SyncRunView } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk4-gates-admin-token-0123456789';
const SECRET = 'hk4-gates-webhook-secret-0123456789';
const APP = 'hk4-app';
const NS = 'hk4-ns';
const REASON = 'change freeze until Monday: see https://status.example.test/freeze';

describe('a PreSync gate', () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let gate: WebhookReceiver;
  let events: WebhookReceiver;
  let head: string;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    gate = await WebhookReceiver.start({ secret: SECRET });
    events = await WebhookReceiver.start({ secret: SECRET });
    gate.always({ status: 403, body: REASON });
    const repo = await git.createRepository('hk4-deploy');
    head = await repo.commit({ 'apps/a/config.yaml': configMapYaml('hk4-config', { a: '1' }) }, { message: 'gated config' });
    running = await startApp(hooksEnv(ADMIN));
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk4-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk4-deploy', url: git.url('hk4-deploy'), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk4-gate', gate.url, { secret: SECRET, timeoutSeconds: 1 })));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk4-events', events.url, { secret: SECRET })));
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
    await gate?.close();
    await events?.close();
  });

  it('refuses a gate on anything but PreSync on a webhook channel', async () => {
    const base = { name: 'hk4-bad', repository: 'hk4-deploy', path: 'apps/a', destinations: [] };
    const onPostSync = await api.post('/api/v1/applications', { ...base, hooks: [{ on: ['PostSync'], channel: 'hk4-gate', gate: true }] });
    expect(onPostSync.status).toBe(400);
    expect(onPostSync.body.message).toMatch(/gate/);
    const missing = await api.post('/api/v1/applications', { ...base, hooks: [{ on: ['PreSync'], channel: 'hk4-nowhere' }] });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('hk4-nowhere');
  });

  it('answering 403 blocks the run: nothing applied, the run Blocked with the answer, SyncFailed to the other hook', async () => {
    await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: 'hk4-deploy',
        path: 'apps/a',
        destinations: [{ cluster: 'hk4-east', namespace: NS }],
        syncPolicy: { intervalSeconds: 2 },
        hooks: [
          { on: ['PreSync'], channel: 'hk4-gate', gate: true },
          { on: ['PreSync', 'PostSync', 'SyncFailed'], channel: 'hk4-events' },
        ],
      }),
    );
    const [failed] = await waitForEvents(events, 'SyncFailed', 1);

    // the gate was asked, with a signed PreSync event marked as a gate call
    expect(gate.requests.length).toBeGreaterThanOrEqual(1);
    const asked = gate.requests[0];
    expect(asked.verified, asked.verifyError).toBe(true);
    expect(asked.event).toMatchObject({
      specversion: '1.0',
      type: ceType('PreSync'),
      subject: `${APP}/hk4-east/${NS}`,
      data: { gate: true, application: APP, namespace: NS, revision: { sha: head } },
    });
    expect(asked.event!.data.counts.created).toBeGreaterThanOrEqual(1);

    // nothing applied
    expect(await getObject(east, 'ConfigMap', NS, 'hk4-config')).toBeNull();
    expect(await getNamespace(east, NS), 'not even the namespace').toBeNull();

    // the run: Blocked, with the receiver's status and body
    const runs = await allRuns(api, APP);
    const blocked = runs.find((r) => r.phase === 'Blocked');
    expect(blocked, JSON.stringify(runs)).toBeDefined();
    expect(blocked!.message).toContain('403');
    expect(blocked!.message).toContain(REASON);
    expect(
      runs.filter((r) => r.phase !== 'Blocked' && r.phase !== 'Running').map((r) => `${r.id} ${r.phase}`),
      'no run applied',
    ).toEqual([]);
    const app = await api.get(`/api/v1/applications/${APP}`);
    expect(app.body.status.targets[0]).toMatchObject({ sync: 'OutOfSync' });
    expect(app.body.status.targets[0].message).toContain(REASON);

    // SyncFailed to the other hook, with the reason; no PreSync there (nothing was going to be applied)
    expect(failed.verified, failed.verifyError).toBe(true);
    expect(failed.event).toMatchObject({ type: ceType('SyncFailed'), subject: `${APP}/hk4-east/${NS}`, data: { type: 'SyncFailed', revision: { sha: head } } });
    expect(failed.event!.data.message).toContain('403');
    expect(failed.event!.data.message).toContain(REASON);
    expect(eventsAt(events, 'PreSync')).toEqual([]);
    expect(eventsAt(events, 'PostSync')).toEqual([]);

    // the gate call is in the gate channel's delivery log, failed with the answer
    const log = await deliveriesOf(api, 'hk4-gate');
    expect(log.length).toBeGreaterThanOrEqual(1);
    expect(log[log.length - 1]).toMatchObject({ kind: 'gate', event: 'PreSync', application: APP, state: 'failed', attempts: 1, lastStatus: 403 });
    expect(log[log.length - 1].lastError).toContain(REASON);
    expect(log[log.length - 1].id).toBe(asked.event!.id);
  }, 60_000);

  it('a gate that does not answer in time blocks too', async () => {
    gate.always({ hang: true });
    const before = gate.requests.length;
    const run = await eventually(
      'a run blocked by a time-out',
      async () => (await allRuns(api, APP)).find((r) => r.phase === 'Blocked' && /within|time/i.test(r.message ?? '')),
      (r) => r !== undefined,
      30_000,
      250,
    );
    expect(gate.requests.length).toBeGreaterThan(before);
    expect(run!.message).toMatch(/hk4-gate/);
    expect(await getObject(east, 'ConfigMap', NS, 'hk4-config')).toBeNull();
  }, 60_000);

  it('answering 200 lets the next run apply', async () => {
    gate.always({ status: 200, body: 'go ahead' });
    const done = await eventually(
      'a run that applied',
      async () => allRuns(api, APP),
      (runs: SyncRunView[]) => runs.some((r) => r.phase === 'Succeeded'),
      30_000,
      250,
    );
    const succeeded = done.find((r) => r.phase === 'Succeeded')!;
    expect(succeeded.counts.created).toBeGreaterThanOrEqual(1);
    expect((await getObject(east, 'ConfigMap', NS, 'hk4-config'))?.data).toEqual({ a: '1' });
    await waitForEvents(events, 'PostSync', 1);
    // PreSync reaches the other hook once the gate opened, before PostSync
    const order = events.requests.map((r) => r.event?.type).filter((t) => t !== ceType('SyncFailed'));
    expect(order).toEqual([ceType('PreSync'), ceType('PostSync')]);
    const log = await deliveriesOf(api, 'hk4-gate');
    expect(log[0]).toMatchObject({ kind: 'gate', state: 'delivered', lastStatus: 200 });
  }, 60_000);
});
