// The events of runs that do not end well: health that never settles sends HealthDegraded at
// hooks.healthTimeoutSeconds instead of PostSync (once), and a commit the API server refuses
// sends SyncFailed with the reason and the failed objects, to a webhook and as a Slack message.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer, type TestRepository } from '../support/git-server';
import { ALL_EVENTS, ceType, eventsAt, expectStatus, hooksEnv, sleep, slackChannel, waitForEvents, webhookChannel } from '../support/hooks';
import { SlackStandin } from '../support/slack-standin';
import { WebhookReceiver } from '../support/webhook-receiver';
import { clusterBody, configMapYaml, deploymentYaml, waitForTargets } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk9-failures-admin-token-0123456789';
const TOKEN = 'xoxb-hk9-failures-token';
const APP = 'hk9-web';
const NS = 'hk9-ns';
const HEALTH_TIMEOUT = 3;

const badService = ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: hk9-bad', 'spec:', '  selector:', '    app: hk9-web', '  ports:', '  - port: 99999', ''].join('\n');

describe('events of runs that do not end well', () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let repo: TestRepository;
  let slack: SlackStandin;
  let hook: WebhookReceiver;
  let first: string;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    slack = await SlackStandin.start({ tokens: [TOKEN] });
    hook = await WebhookReceiver.start();
    repo = await git.createRepository('hk9-deploy');
    first = await repo.commit(
      { 'apps/web/web.yaml': deploymentYaml('hk9-web'), 'apps/web/config.yaml': configMapYaml('hk9-config', { a: '1' }) },
      { message: 'web that never gets ready' },
    );
    running = await startApp(hooksEnv(ADMIN, slack.url, { FLOTILLA_HOOKS__HEALTH_TIMEOUT_SECONDS: String(HEALTH_TIMEOUT) }));
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk9-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk9-deploy', url: git.url('hk9-deploy'), pollIntervalSeconds: 1 }));
    await expectStatus(api.post('/api/v1/channels', slackChannel('hk9-slack', TOKEN, '#hk9-alerts')));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk9-hook', hook.url)));
    await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: 'hk9-deploy',
        path: 'apps/web',
        destinations: [{ cluster: 'hk9-east', namespace: NS }],
        syncPolicy: { intervalSeconds: 2 },
        hooks: [
          { on: ALL_EVENTS, channel: 'hk9-hook' },
          { on: ['SyncFailed'], channel: 'hk9-slack' },
        ],
      }),
    );
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
    await slack?.close();
    await hook?.close();
  });

  it(`sends HealthDegraded instead of PostSync when health has not settled after ${HEALTH_TIMEOUT} s, and only once`, async () => {
    const [presync] = await waitForEvents(hook, 'PreSync', 1);
    const [degraded] = await waitForEvents(hook, 'HealthDegraded', 1, 20_000);
    expect(degraded.at - presync.at, 'not before the health time-out').toBeGreaterThanOrEqual(HEALTH_TIMEOUT * 1000 - 500);
    expect(degraded.event).toMatchObject({
      type: ceType('HealthDegraded'),
      subject: `${APP}/hk9-east/${NS}`,
      data: { application: APP, revision: { sha: first }, trigger: 'schedule' },
    });
    expect(degraded.event!.data.message).toContain(`${HEALTH_TIMEOUT} s`);
    expect(degraded.event!.data.message).toMatch(/Progressing/);
    await sleep(5_000);
    expect(eventsAt(hook, 'HealthDegraded').length, 'once').toBe(1);
    expect(eventsAt(hook, 'PostSync'), 'no PostSync for a rollout that never settled').toEqual([]);
    expect(slack.calls, 'the Slack hook is on SyncFailed only').toEqual([]);
  }, 60_000);

  it('sends SyncFailed with the reason and the failed objects when the API server refuses an object', async () => {
    const bad = await repo.commit({ 'apps/web/bad-service.yaml': badService }, { message: 'a service on port 99999' });
    const [failed] = await waitForEvents(hook, 'SyncFailed', 1, 30_000);
    expect(failed.event).toMatchObject({
      type: ceType('SyncFailed'),
      subject: `${APP}/hk9-east/${NS}`,
      data: { type: 'SyncFailed', application: APP, revision: { sha: bad, subject: 'a service on port 99999' } },
    });
    const data = failed.event!.data;
    expect(typeof data.message).toBe('string');
    expect(JSON.stringify([data.message, data.failedObjects]), 'the reason names the object').toContain('hk9-bad');
    expect(JSON.stringify([data.message, data.failedObjects]), 'the API server’s reason').toMatch(/99999|port/);
    await waitForTargets(api, APP, [`hk9-east/${NS}`], (t) => t.lastSyncRun?.phase === 'Failed', 'the run Failed');

    const post = await eventually(
      'the Slack message',
      async () => slack.callsTo('chat.postMessage'),
      (c) => c.length >= 1,
      15_000,
    );
    expect(post[0].params.channel).toBe('#hk9-alerts');
    expect(String(post[0].params.text)).toContain(`${APP} → hk9-east/${NS}: SyncFailed, Sync failed`);
    const shown = JSON.stringify(post[0].blocks);
    expect(shown).toContain('*SyncFailed*');
    expect(shown).toContain('hk9-bad');
  }, 60_000);
});
