// The hook events of one target, end to end through real receivers: a sync sends PreSync, then
// PostSync once health settled, to a Slack API stand-in (Block Kit and text as Slack gets them)
// and to a webhook receiver that checks the Standard Webhooks signature with the
// `standardwebhooks` package and reads the CloudEvent. HealthDegraded goes once per transition
// into Degraded, and DriftDetected once per drift episode, however many checks see it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { ALL_EVENTS, ceType, deliveriesOf, eventsAt, expectStatus, hooksEnv, sleep, slackChannel, waitForEvents, webhookChannel } from '../support/hooks';
import { SlackStandin } from '../support/slack-standin';
import { WebhookReceiver } from '../support/webhook-receiver';
import {
  allRuns,
  clusterBody,
  configMapYaml,
  deploymentYaml,
  editObject,
  getApplication,
  getObject,
  markDeploymentReady,
  markDeploymentStuck,
  waitForTargets,
} from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk1-events-admin-token-0123456789';
const SLACK_TOKEN = 'xoxb-hk1-events-slack-token';
const SECRET = 'hk1-events-webhook-secret-0123456789';
const APP = 'hk1-web';
const NS = 'hk1-ns';
const REPO = 'hk1-deploy';
const WHERE = { cluster: 'hk1-east', namespace: NS };
const SUBJECT = `${APP}/hk1-east/${NS}`;

/** Waits until the target has been looked at `checks` more times (its next reconcile time moved on). */
async function checksPass(api: ApiClient, checks: number): Promise<void> {
  const seen = new Set<string>();
  await eventually(
    `${checks} more interval checks`,
    async () => {
      const t = (await getApplication(api, APP)).status.targets[0];
      if (t.nextReconcileAt) seen.add(t.nextReconcileAt);
      return seen.size;
    },
    (n) => n > checks,
    30_000,
    250,
  );
}

describe('hook events of a target', () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let slack: SlackStandin;
  let hook: WebhookReceiver;
  let head: string;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    slack = await SlackStandin.start({ tokens: [SLACK_TOKEN] });
    hook = await WebhookReceiver.start({ secret: SECRET });
    const repo = await git.createRepository(REPO);
    head = await repo.commit(
      { 'apps/web/config.yaml': configMapYaml('hk1-config', { greeting: 'hello' }), 'apps/web/web.yaml': deploymentYaml('hk1-web') },
      { message: 'Roll out web 1.0\n\nwith a config map', author: { name: 'Ada Lovelace', email: 'ada@example.test' } },
    );
    running = await startApp(hooksEnv(ADMIN, slack.url));
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk1-east', east)));
    await expectStatus(api.post('/api/v1/repositories', { name: REPO, url: git.url(REPO), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', slackChannel('hk1-slack', SLACK_TOKEN, '#hk1-deploys')));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk1-hook', hook.url, { secret: SECRET, headers: { 'X-Team': 'ops' } })));
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
    await slack?.close();
    await hook?.close();
  });

  it('a sync sends PreSync, then PostSync once health settled, to Slack and to a signed webhook', async () => {
    const created = await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: REPO,
        path: 'apps/web',
        destinations: [WHERE],
        syncPolicy: { intervalSeconds: 2 },
        hooks: [
          { on: ['PreSync', 'PostSync'], channel: 'hk1-slack' },
          { on: ALL_EVENTS, channel: 'hk1-hook' },
        ],
      }),
    );
    expect(created.hooks).toEqual([
      { on: ['PreSync', 'PostSync'], channel: 'hk1-slack', group: 'target', gate: false },
      { on: ALL_EVENTS, channel: 'hk1-hook', group: 'target', gate: false },
    ]);

    // the run applies; the Deployment has no controller, so health waits — and so does PostSync
    const [presync] = await waitForEvents(hook, 'PreSync', 1);
    await waitForTargets(api, APP, [`hk1-east/${NS}`], (t) => t.lastSyncRun?.phase === 'Succeeded' && t.health === 'Progressing', 'the run done, health Progressing');
    await sleep(2500);
    expect(eventsAt(hook, 'PostSync'), 'no PostSync while health is still Progressing').toEqual([]);
    await markDeploymentReady(east, NS, 'hk1-web');
    const [postsync] = await waitForEvents(hook, 'PostSync', 1);
    await waitForTargets(api, APP, [`hk1-east/${NS}`], (t) => t.health === 'Healthy', 'Healthy');

    // the webhook: PreSync before PostSync, each signed, a structured CloudEvent about this target
    expect(hook.requests.map((r) => r.event?.type)).toEqual([ceType('PreSync'), ceType('PostSync')]);
    const [run] = await allRuns(api, APP);
    expect(run.phase).toBe('Succeeded');
    const deliveries = await deliveriesOf(api, 'hk1-hook');
    for (const [request, event] of [
      [presync, 'PreSync'],
      [postsync, 'PostSync'],
    ] as const) {
      expect(request.verified, `${event}: ${request.verifyError}`).toBe(true);
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
      expect(request.headers['x-team'], 'the channel header is sent').toBe('ops');
      const delivery = deliveries.find((d) => d.event === event);
      expect(delivery, `${event} in the delivery log`).toMatchObject({
        channel: 'hk1-hook',
        kind: 'target',
        application: APP,
        subject: `hk1-east/${NS}`,
        state: 'delivered',
        attempts: 1,
        lastStatus: 200,
        lastError: null,
      });
      const ce = request.event!;
      expect(ce).toMatchObject({ specversion: '1.0', id: delivery!.id, type: ceType(event), subject: SUBJECT, datacontenttype: 'application/json' });
      expect(typeof ce.source).toBe('string');
      expect(Date.parse(ce.time)).not.toBeNaN();
      expect(request.headers['webhook-id'], 'webhook-id is the CloudEvent id').toBe(ce.id);
      expect(ce.data).toMatchObject({
        type: event,
        application: APP,
        cluster: 'hk1-east',
        namespace: NS,
        trigger: 'schedule',
        failedObjects: [],
        revision: { sha: head, shortSha: head.slice(0, 7), subject: 'Roll out web 1.0', author: 'Ada Lovelace', url: `${git.url(REPO).replace(/\.git$/, '')}/commit/${head}` },
      });
    }
    // PreSync carries the plan (from the engine's plan), PostSync what the run did
    expect(presync.event!.data.counts).toEqual({ created: run.counts.created, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 });
    expect(run.counts.created).toBeGreaterThanOrEqual(2); // the ConfigMap and the Deployment (and the namespace)
    expect(postsync.event!.data.counts).toEqual(run.counts);

    // Slack: two messages, PreSync then PostSync, to the channel named, with the channel's token
    await eventually(
      'two Slack messages',
      async () => slack.callsTo('chat.postMessage').length,
      (n) => n >= 2,
      15_000,
    );
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.map((c) => [c.status, c.answer?.ok])).toEqual([
      [200, true],
      [200, true],
    ]);
    expect(slack.callsTo('chat.update'), 'group target never edits').toEqual([]);
    const link = `<${git.url(REPO).replace(/\.git$/, '')}/commit/${head}|\`${head.slice(0, 7)}\`>`;
    for (const [call, event] of [
      [posts[0], 'PreSync'],
      [posts[1], 'PostSync'],
    ] as const) {
      expect(call.token).toBe(SLACK_TOKEN);
      expect(call.params.channel).toBe('#hk1-deploys');
      expect(call.params.text).toBe(
        `${APP} → hk1-east/${NS}: ${event}, ${event === 'PreSync' ? `will apply ${run.counts.created} changes` : 'Synced · Healthy'} · ${head.slice(0, 7)} "Roll out web 1.0" by Ada Lovelace`,
      );
      const blocks = call.blocks as Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
      expect(Array.isArray(blocks) && blocks.length >= 3, JSON.stringify(blocks)).toBe(true);
      const shown = blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');
      expect(blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
      expect(blocks[0].text!.text).toContain(`*${APP}*`);
      expect(blocks[0].text!.text).toContain(`\`hk1-east/${NS}\``);
      expect(blocks[0].text!.text).toContain(`*${event}*`);
      expect(shown, 'the short SHA linked to the commit').toContain(link);
      expect(shown).toContain('Roll out web 1.0 — Ada Lovelace');
      expect(shown).toContain('triggered by schedule');
      expect(shown).toContain(`${event === 'PreSync' ? 'Planned: ' : ''}${run.counts.created} created`);
    }
    expect(slack.messages('#hk1-deploys').map((m) => m.text)).toEqual(posts.map((c) => c.params.text));
  }, 90_000);

  it('sends HealthDegraded once on the way into Degraded, not on every check while it stays', async () => {
    const slackCalls = slack.calls.length;
    await markDeploymentStuck(east, NS, 'hk1-web');
    const [degraded] = await waitForEvents(hook, 'HealthDegraded', 1);
    expect(degraded.verified).toBe(true);
    expect(degraded.event).toMatchObject({
      type: ceType('HealthDegraded'),
      subject: SUBJECT,
      data: { type: 'HealthDegraded', application: APP, cluster: 'hk1-east', namespace: NS, revision: { sha: head } },
    });
    expect(degraded.event!.data.message).toMatch(/Degraded/);
    await waitForTargets(api, APP, [`hk1-east/${NS}`], (t) => t.health === 'Degraded', 'Degraded');
    await checksPass(api, 3);
    expect(eventsAt(hook, 'HealthDegraded').length, 'one HealthDegraded while it stays Degraded').toBe(1);
    expect(slack.calls.length, 'the Slack hook is not on HealthDegraded').toBe(slackCalls);

    // healthy again, then degraded again: a new transition, a new event
    await markDeploymentReady(east, NS, 'hk1-web');
    await waitForTargets(api, APP, [`hk1-east/${NS}`], (t) => t.health === 'Healthy', 'Healthy again');
    await markDeploymentStuck(east, NS, 'hk1-web');
    await waitForEvents(hook, 'HealthDegraded', 2);
    await checksPass(api, 2);
    expect(eventsAt(hook, 'HealthDegraded').length).toBe(2);
    await markDeploymentReady(east, NS, 'hk1-web');
    await waitForTargets(api, APP, [`hk1-east/${NS}`], (t) => t.health === 'Healthy', 'Healthy at the end');
    expect(eventsAt(hook, 'PostSync').length, 'no run, so no new PostSync').toBe(1);
  }, 120_000);

  it('sends DriftDetected once per drift episode (selfHeal off), not on every check that sees it', async () => {
    await editObject(east, 'ConfigMap', NS, 'hk1-config', { data: { greeting: 'edited by hand' } });
    const [drift] = await waitForEvents(hook, 'DriftDetected', 1);
    expect(drift.verified).toBe(true);
    expect(drift.event).toMatchObject({
      type: ceType('DriftDetected'),
      subject: SUBJECT,
      data: { type: 'DriftDetected', application: APP, cluster: 'hk1-east', namespace: NS, revision: { sha: head } },
    });
    expect(drift.event!.data.message).toMatch(/hk1-config/);
    await waitForTargets(api, APP, [`hk1-east/${NS}`], (t) => t.sync === 'OutOfSync', 'OutOfSync');
    await checksPass(api, 3);
    expect(eventsAt(hook, 'DriftDetected').length, 'one DriftDetected per episode').toBe(1);
    expect((await getObject(east, 'ConfigMap', NS, 'hk1-config')).data.greeting, 'selfHeal is off: the edit stays').toBe('edited by hand');

    // put back by hand: the episode ends; a new edit is a new episode
    await editObject(east, 'ConfigMap', NS, 'hk1-config', { data: { greeting: 'hello' } });
    await waitForTargets(api, APP, [`hk1-east/${NS}`], (t) => t.sync === 'Synced', 'Synced again');
    expect(eventsAt(hook, 'DriftDetected').length).toBe(1);
    await editObject(east, 'ConfigMap', NS, 'hk1-config', { data: { greeting: 'edited again' } });
    await waitForEvents(hook, 'DriftDetected', 2);
    await checksPass(api, 2);
    expect(eventsAt(hook, 'DriftDetected').length).toBe(2);
    expect(hook.rejected, 'every request was signed right').toEqual([]);
    const log = await deliveriesOf(api, 'hk1-hook');
    expect(log.map((d) => d.event)).toEqual(['DriftDetected', 'DriftDetected', 'HealthDegraded', 'HealthDegraded', 'PostSync', 'PreSync']);
    expect(log.every((d) => d.state === 'delivered')).toBe(true);
    expect(new Set(hook.requests.map((r) => r.headers['webhook-id'])).size, 'one id per event').toBe(hook.requests.length);
  }, 120_000);
});
