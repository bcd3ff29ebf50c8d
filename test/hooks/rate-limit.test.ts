// Slack answering 429 with Retry-After: 2 pauses that channel only: its messages go out no sooner
// than 2 s after the refused call, while another Slack channel and a webhook channel get the same
// events meanwhile. A 429 is pacing, not failure: it costs no attempt.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { ceType, deliveriesOf, expectStatus, hooksEnv, slackChannel, waitForEvents, webhookChannel } from '../support/hooks';
import { SlackStandin, type SlackCall } from '../support/slack-standin';
import { WebhookReceiver } from '../support/webhook-receiver';
import { clusterBody, configMapYaml } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk6-ratelimit-admin-token-0123456789';
const TOKEN = 'xoxb-hk6-rate-limit-token';
const APP = 'hk6-app';

describe('a rate-limited Slack channel', () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let slack: SlackStandin;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    slack = await SlackStandin.start({ tokens: [TOKEN] });
    hook = await WebhookReceiver.start();
    const repo = await git.createRepository('hk6-deploy');
    await repo.commit({ 'apps/a/config.yaml': configMapYaml('hk6-config', { a: '1' }) }, { message: 'config' });
    running = await startApp(hooksEnv(ADMIN, slack.url));
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk6-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk6-deploy', url: git.url('hk6-deploy'), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', slackChannel('hk6-slow', TOKEN, '#hk6-slow')));
    await expectStatus(api.post('/api/v1/channels', slackChannel('hk6-fast', TOKEN, '#hk6-fast')));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk6-hook', hook.url)));
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
    await slack?.close();
    await hook?.close();
  });

  it('delays that channel only, by Retry-After, while the others are delivered meanwhile', async () => {
    // the first call to #hk6-slow is refused with 429 and Retry-After: 2
    slack.rateLimit(2, 1, { method: 'chat.postMessage', channel: '#hk6-slow' });
    const on = ['PreSync', 'PostSync'];
    await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: 'hk6-deploy',
        path: 'apps/a',
        destinations: [{ cluster: 'hk6-east', namespace: 'hk6-ns' }],
        syncPolicy: { intervalSeconds: 2 },
        hooks: [
          { on, channel: 'hk6-slow' },
          { on, channel: 'hk6-fast' },
          { on, channel: 'hk6-hook' },
        ],
      }),
    );

    const slow = (): SlackCall[] => slack.calls.filter((c) => c.params.channel === '#hk6-slow');
    const fast = (): SlackCall[] => slack.calls.filter((c) => c.params.channel === '#hk6-fast');
    const [refused] = await eventually(
      'the 429',
      async () => slow(),
      (calls) => calls.length >= 1 && calls[0].status === 429,
      30_000,
      20,
    );
    // the channel says it is paused, until about 2 s after the refusal
    const paused = await eventually(
      'hk6-slow paused',
      () => api.get('/api/v1/channels/hk6-slow'),
      (r) => r.body.pausedUntil !== null,
      1_500,
      50,
    );
    expect(Date.parse(paused.body.pausedUntil) - refused.at).toBeGreaterThanOrEqual(1_900);
    expect((await api.get('/api/v1/channels/hk6-fast')).body.pausedUntil).toBeNull();

    await eventually(
      'both messages in #hk6-slow',
      async () => slow().filter((c) => c.status === 200).length,
      (n) => n === 2,
      30_000,
      50,
    );
    const sent = slow().filter((c) => c.status === 200);
    expect(
      slow().map((c) => c.status),
      'one refusal, then the two messages',
    ).toEqual([429, 200, 200]);
    for (const c of sent) expect(c.at - refused.at, 'not before Retry-After').toBeGreaterThanOrEqual(2_000);

    // meanwhile: the other Slack channel and the webhook got both events before the slow channel got any
    await waitForEvents(hook, 'PostSync', 1);
    expect(hook.requests.map((r) => r.event?.type)).toEqual([ceType('PreSync'), ceType('PostSync')]);
    for (const r of hook.requests) expect(r.at, `${r.event?.type} at the webhook before the paused Slack channel`).toBeLessThan(sent[0].at);
    expect(fast().map((c) => c.status)).toEqual([200, 200]);
    for (const c of fast()) expect(c.at, 'the other Slack channel is not paused').toBeLessThan(sent[0].at);
    expect(Math.max(...fast().map((c) => c.at), ...hook.requests.map((r) => r.at)) - refused.at, 'delivered meanwhile, not after the pause').toBeLessThan(2_000);

    // a 429 costs no attempt: each slow delivery was delivered on its first counted attempt
    const log = await deliveriesOf(api, 'hk6-slow');
    expect(log.map((d) => [d.event, d.state, d.attempts])).toEqual([
      ['PostSync', 'delivered', 1],
      ['PreSync', 'delivered', 1],
    ]);
    const after = (await api.get('/api/v1/channels/hk6-slow')).body.pausedUntil;
    expect(after === null || Date.parse(after) <= Date.now(), 'the pause is over').toBe(true);

    // the pause holds the whole channel, so its messages keep their order: "will apply" before "synced"
    expect(
      sent.map((c) => String(c.params.text).match(/: (PreSync|PostSync),/)?.[1]),
      'the paused channel’s messages in event order',
    ).toEqual(['PreSync', 'PostSync']);
  }, 60_000);
});
