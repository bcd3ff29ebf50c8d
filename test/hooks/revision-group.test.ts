// One message per revision: an application fanned out to 100 targets with a `group: "revision"`
// Slack hook posts exactly one message for the commit and edits it in place (chat.update) as the
// targets finish, ending with the totals; a webhook hook grouped the same way sends one CloudEvent
// once every target finished, with the per-target results inside. A target that fails later
// (a 101st, on a cluster registered with a token that may not create its namespace) turns the
// message into "100/101 synced, 1 failed" and adds a reply in the message's thread.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { startApp, type RunningApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import { ceType, eventsAt, expectStatus, hooksEnv, sleep, slackChannel, waitForEvents, webhookChannel } from '../support/hooks';
import { SlackStandin, type SlackCall } from '../support/slack-standin';
import { WebhookReceiver } from '../support/webhook-receiver';
import { allRuns, clusterBody, configMapYaml, getNamespace, waitForTargets, type TargetView } from '../support/workloads';

const [east] = inject('clusters');
const ADMIN = 'hk5-revision-admin-token-0123456789';
const TOKEN = 'xoxb-hk5-revision-token';
const APP = 'hk5-app';
const TARGETS = 100;
const NAMESPACES = Array.from({ length: TARGETS }, (_, i) => `hk5-n${i + 1}`);
const DESTINATIONS = NAMESPACES.map((namespace) => ({ cluster: 'hk5-east', namespace }));
const KEYS = NAMESPACES.map((ns) => `hk5-east/${ns}`);
const FORBIDDEN = { cluster: 'hk5-limited', namespace: 'hk5-forbidden' };
const HOOK_EVENTS = ['PreSync', 'PostSync', 'SyncFailed'];

describe('group: revision over 100 targets', () => {
  let running: RunningApp;
  let api: ApiClient;
  let git: GitHttpServer;
  let slack: SlackStandin;
  let hook: WebhookReceiver;
  let head: string;
  let short: string;

  beforeAll(async () => {
    git = await GitHttpServer.start();
    slack = await SlackStandin.start({ tokens: [TOKEN] });
    hook = await WebhookReceiver.start();
    const repo = await git.createRepository('hk5-deploy');
    head = await repo.commit(
      { 'apps/a/config.yaml': configMapYaml('hk5-config', { a: '1' }) },
      { message: 'Fleet-wide config', author: { name: 'Grace Hopper', email: 'grace@example.test' } },
    );
    short = head.slice(0, 7);
    running = await startApp(hooksEnv(ADMIN, slack.url, { FLOTILLA_SYNC__CONCURRENCY: '8', FLOTILLA_SYNC__PER_CLUSTER_CONCURRENCY: '8' }));
    api = apiClient(running.baseUrl, ADMIN);
    await expectStatus(api.post('/api/v1/clusters', clusterBody('hk5-east', east)));
    // the same test cluster again, as a user that may touch only the `limited` namespace
    await expectStatus(
      api.post('/api/v1/clusters', { name: 'hk5-limited', server: east.server, tls: { caData: east.caData }, auth: { type: 'bearerToken', token: east.limitedToken } }),
    );
    await expectStatus(api.post('/api/v1/repositories', { name: 'hk5-deploy', url: git.url('hk5-deploy'), pollIntervalSeconds: 3600 }));
    await expectStatus(api.post('/api/v1/channels', slackChannel('hk5-slack', TOKEN, '#hk5-rollout')));
    await expectStatus(api.post('/api/v1/channels', webhookChannel('hk5-hook', hook.url)));
  });
  afterAll(async () => {
    await running?.close();
    await git?.stop();
    await slack?.close();
    await hook?.close();
  });

  /** Top-level posts: chat.postMessage calls that are not thread replies. */
  const topLevelPosts = (): SlackCall[] => slack.callsTo('chat.postMessage').filter((c) => !c.params.thread_ts);

  it('posts one Slack message for the revision, edits it as targets finish, and ends with the totals', async () => {
    await expectStatus(
      api.post('/api/v1/applications', {
        name: APP,
        repository: 'hk5-deploy',
        path: 'apps/a',
        destinations: DESTINATIONS,
        syncPolicy: { intervalSeconds: 30 },
        hooks: [
          { on: HOOK_EVENTS, channel: 'hk5-slack', group: 'revision' },
          { on: HOOK_EVENTS, channel: 'hk5-hook', group: 'revision' },
        ],
      }),
    );
    await waitForTargets(api, APP, KEYS, (t) => t.sync === 'Synced' && t.revision?.sha === head, 'all 100 targets synced', 240_000);

    const finalText = `${APP} ${short} done: ${TARGETS}/${TARGETS} synced, 0 failed · ${2 * TARGETS} created`;
    const [post] = await eventually(
      'one Slack message',
      async () => topLevelPosts(),
      (p) => p.length >= 1,
      15_000,
    );
    const channelId = String(post.answer?.channel);
    const ts = String(post.answer?.ts);
    const message = await eventually(
      'the final edit',
      async () => slack.message(channelId, ts)?.text,
      (text) => text === finalText,
      30_000,
      200,
    ).catch(() => {
      throw new Error(`the message never showed the totals; it says ${JSON.stringify(slack.message(channelId, ts)?.text)} after ${slack.callsTo('chat.update').length} edits`);
    });
    expect(message).toBe(finalText);
    await sleep(3_000); // anything still on its way

    expect(topLevelPosts().length, 'exactly one chat.postMessage for the revision').toBe(1);
    expect(post.params.channel).toBe('#hk5-rollout');
    expect(post.token).toBe(TOKEN);
    const updates = slack.callsTo('chat.update');
    expect(updates.length, 'edited in place as targets finished').toBeGreaterThanOrEqual(1);
    expect(updates.length, 'at most one edit per target event').toBeLessThanOrEqual(2 * TARGETS);
    for (const u of updates) {
      expect(u.params.channel, 'chat.update by channel ID').toBe(channelId);
      expect(u.params.ts).toBe(ts);
      expect(u.answer?.ok, JSON.stringify(u.answer)).toBe(true);
    }
    // progress only goes forward: "N/100 synced" never falls back
    const progress = [post, ...updates].map((c) => Number(/: (\d+)\/\d+ synced/.exec(String(c.params.text))?.[1]));
    expect(progress.every((n) => Number.isInteger(n))).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i], `edit ${i}: ${progress.join(',')}`).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(updates[updates.length - 1].params.text).toBe(finalText);
    expect(slack.replies(channelId, ts), 'no failure, no reply').toEqual([]);

    // the final blocks: the commit, the totals, no per-target list for 100 targets (only failures)
    const blocks = slack.message(channelId, ts)!.blocks as Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }>;
    const shown = blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '').join('\n');
    expect(shown).toContain(`*${APP}*`);
    expect(shown).toContain(`|\`${short}\`>`);
    expect(shown).toContain('Fleet-wide config — Grace Hopper');
    expect(shown).toContain(`Done: ${TARGETS}/${TARGETS} synced, 0 failed`);
    expect(shown).toContain(`Totals: ${2 * TARGETS} created`);
    expect(shown).not.toContain('hk5-n1`');
  }, 360_000);

  it('sends one CloudEvent for the revision to a grouped webhook once every target finished, with each result', async () => {
    await waitForTargets(api, APP, KEYS, (t) => t.sync === 'Synced' && t.revision?.sha === head, 'all 100 targets synced', 240_000);
    const [summary] = await waitForEvents(hook, 'Revision', 1, 30_000);
    expect(eventsAt(hook).length, 'nothing but the one revision event').toBe(1);
    expect(summary.event).toMatchObject({ specversion: '1.0', type: ceType('Revision'), subject: `${APP}@${head}` });
    expect(summary.headers['webhook-id']).toBe(summary.event!.id);
    const data = summary.event!.data;
    expect(data).toMatchObject({
      application: APP,
      total: TARGETS,
      finished: TARGETS,
      synced: TARGETS,
      failed: 0,
      final: true,
      revision: { sha: head, subject: 'Fleet-wide config', author: 'Grace Hopper' },
    });
    expect(data.results).toHaveLength(TARGETS);
    expect(data.results.map((r: { cluster: string; namespace: string }) => `${r.cluster}/${r.namespace}`).sort()).toEqual([...KEYS].sort());
    expect(data.results.every((r: { outcome: string }) => r.outcome === 'synced')).toBe(true);
  }, 300_000);

  it('shows a target that failed in the totals, and as a reply in the message thread', async () => {
    const [post] = topLevelPosts();
    expect(post, 'the revision message was posted').toBeDefined();
    const channelId = String(post.answer?.channel);
    const ts = String(post.answer?.ts);
    const patched = await api.patch(`/api/v1/applications/${APP}`, { destinations: [...DESTINATIONS, FORBIDDEN] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await eventually(
      'the forbidden target failed',
      async () => allRuns(api, APP, FORBIDDEN),
      (runs) => runs.some((r) => r.phase === 'Failed'),
      60_000,
      250,
    );
    expect(await getNamespace(east, FORBIDDEN.namespace), 'the limited user could not create it').toBeNull();

    const finalText = new RegExp(`^${APP} ${short} done: ${TARGETS}/${TARGETS + 1} synced, 1 failed`);
    await eventually(
      'the message shows the failure',
      async () => slack.message(channelId, ts)?.text ?? '',
      (text) => finalText.test(text),
      30_000,
      200,
    ).catch(() => {
      throw new Error(`the message says ${JSON.stringify(slack.message(channelId, ts)?.text)}`);
    });
    const blocks = slack.message(channelId, ts)!.blocks as Array<{ type: string; text?: { text: string } }>;
    const failedSection = blocks.find((b) => b.text?.text.startsWith('*Failed*'));
    expect(failedSection?.text?.text, JSON.stringify(blocks)).toContain('`hk5-limited/hk5-forbidden`');

    const replies = await eventually(
      'a reply in the thread',
      async () => slack.replies(channelId, ts),
      (r) => r.length >= 1,
      30_000,
      200,
    );
    expect(replies[0].threadTs).toBe(ts);
    expect(replies[0].text).toContain('hk5-limited/hk5-forbidden');
    expect(replies[0].text).toContain('SyncFailed');
    const replyCall = slack.callsTo('chat.postMessage').find((c) => c.params.thread_ts === ts);
    expect(replyCall?.params.channel).toBeDefined();
    expect(topLevelPosts().length, 'still one message for the revision').toBe(1);

    const app = await api.get(`/api/v1/applications/${APP}`);
    const forbidden = (app.body.status.targets as TargetView[]).find((t) => t.cluster === FORBIDDEN.cluster)!;
    expect(forbidden.lastSyncRun?.phase).toBe('Failed');
    expect(app.body.status.summary.synced).toBe(TARGETS);
  }, 120_000);
});
