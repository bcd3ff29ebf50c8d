// SlackSender through the real @slack/web-api client against the local Slack API stand-in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/channels/senders/delivery-error';
import { SlackSender } from '../../src/channels/senders/slack';
import { revisionMessage, targetMessage, type TargetEvent } from '../../src/channels/slack-message';
import { freePort } from '../support/ports';
import { SlackStandin } from '../support/slack-standin';

const TOKEN = 'xoxb-1111111111-2222222222-secretTokenValue';
const zero = { created: 0, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 };
const event: TargetEvent = {
  type: 'PreSync',
  application: 'shop',
  cluster: 'east',
  namespace: 'default',
  revision: { sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', shortSha: 'a1b2c3d', subject: 'Raise web replicas', author: 'Ada', url: 'https://git.example.com/c/a1b2c3d' },
  trigger: 'webhook',
  counts: { ...zero, created: 1, configured: 2 },
  failedObjects: [],
};

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DeliveryError);
    const e = err as DeliveryError;
    // the token is never in anything a caller could show or store
    expect(`${e.message} ${e.stack} ${JSON.stringify(e)}`).not.toContain(TOKEN);
    return e;
  }
  throw new Error('expected a DeliveryError');
}

describe('SlackSender against a Slack API stand-in', () => {
  let standin: SlackStandin;
  let sender: SlackSender;

  beforeAll(async () => {
    standin = await SlackStandin.start({ tokens: [TOKEN] });
    sender = new SlackSender({ apiUrl: standin.url, timeoutSeconds: 2 });
  });
  afterAll(() => standin?.close());
  beforeEach(() => standin.calls.splice(0));

  it('posts channel, text and blocks as a form with the token in the Authorization header', async () => {
    const message = targetMessage(event);
    const posted = await sender.post({ token: TOKEN, channel: '#deploys', ...message });
    expect(posted.channel).toBe(standin.channelId('#deploys'));
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    const [call] = standin.callsTo('chat.postMessage');
    expect(call.contentType).toBe('application/x-www-form-urlencoded');
    expect(call.token).toBe(TOKEN);
    expect(call.params).toMatchObject({ channel: '#deploys', text: message.text, unfurl_links: 'false' });
    expect(call.params).not.toHaveProperty('token');
    expect(typeof call.params.blocks).toBe('string');
    expect(call.blocks).toEqual(message.blocks);
    expect(standin.message('#deploys', posted.ts)?.text).toBe(message.text);
  });

  it('edits a message in place with chat.update, by the channel ID the post returned', async () => {
    const first = revisionMessage({ application: 'shop', revision: event.revision, total: 4, finished: 1, synced: 1, failed: 0, results: [], final: false });
    const posted = await sender.post({ token: TOKEN, channel: '#fleet', ...first });
    const last = revisionMessage({ application: 'shop', revision: event.revision, total: 4, finished: 4, synced: 3, failed: 1, results: [], final: true });
    const updated = await sender.update({ token: TOKEN, channel: posted.channel, ts: posted.ts, ...last });
    expect(updated).toEqual(posted);
    const [call] = standin.callsTo('chat.update');
    expect(call.params).toMatchObject({ channel: posted.channel, ts: posted.ts, text: 'shop a1b2c3d done: 3/4 synced, 1 failed' });
    expect(call.blocks).toEqual(last.blocks);
    expect(standin.message(posted.channel, posted.ts)).toMatchObject({ text: last.text, edits: 1 });
    expect(standin.messages('#fleet')).toHaveLength(1);
  });

  it('replies in the thread of a message', async () => {
    const parent = await sender.post({ token: TOKEN, channel: '#fleet', text: 'parent' });
    const failed = targetMessage({
      ...event,
      type: 'SyncFailed',
      message: 'apply failed',
      failedObjects: [{ kind: 'Deployment', namespace: 'default', name: 'web', message: 'bad replicas' }],
    });
    const reply = await sender.post({ token: TOKEN, channel: parent.channel, threadTs: parent.ts, ...failed });
    expect(reply.ts > parent.ts).toBe(true);
    expect(standin.callsTo('chat.postMessage').at(-1)?.params.thread_ts).toBe(parent.ts);
    expect(standin.replies('#fleet', parent.ts).map((m) => m.text)).toEqual([failed.text]);
  });

  it('a 429 with Retry-After: 2 is retryable after 2 seconds, and the client does not wait or retry by itself', async () => {
    standin.rateLimit(2, 1);
    const started = Date.now();
    const err = await failure(sender.post({ token: TOKEN, channel: '#deploys', text: 'hi' }));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err).toMatchObject({ retryable: true, retryAfterSeconds: 2, status: 429, failure: 'rateLimited' });
    expect(standin.calls).toHaveLength(1);
    // the next call goes through: nothing in the client stayed paused
    await expect(sender.post({ token: TOKEN, channel: '#deploys', text: 'hi again' })).resolves.toHaveProperty('ts');
  });

  it('invalid_auth is not retryable, and the token is not in the message', async () => {
    const wrong = 'xoxb-9999-wrong-token-value';
    const err = await failure(sender.post({ token: wrong, channel: '#deploys', text: 'hi' }));
    expect(err).toMatchObject({ retryable: false, code: 'invalid_auth', failure: 'slack' });
    expect(err.message).toBe('Slack chat.postMessage failed: invalid_auth (the token is not valid)');
    expect(err.message).not.toContain(wrong);
  });

  it('channel_not_found and message_not_found are not retryable', async () => {
    standin.failWith('channel_not_found');
    expect(await failure(sender.post({ token: TOKEN, channel: '#gone', text: 'hi' }))).toMatchObject({ retryable: false, code: 'channel_not_found' });
    const err = await failure(sender.update({ token: TOKEN, channel: standin.channelId('#deploys'), ts: '1.000001', text: 'x' }));
    expect(err).toMatchObject({ retryable: false, code: 'message_not_found' });
  });

  it('Slack-side trouble is retryable: internal_error, HTTP 503, no answer in time, nobody listening', async () => {
    standin.failWith('internal_error');
    expect(await failure(sender.post({ token: TOKEN, channel: '#deploys', text: 'hi' }))).toMatchObject({ retryable: true, code: 'internal_error' });

    standin.httpError(503);
    expect(await failure(sender.post({ token: TOKEN, channel: '#deploys', text: 'hi' }))).toMatchObject({ retryable: true, status: 503, failure: 'http' });

    standin.hang(1);
    const quick = new SlackSender({ apiUrl: standin.url, timeoutSeconds: 1 });
    const started = Date.now();
    expect(await failure(quick.post({ token: TOKEN, channel: '#deploys', text: 'hi' }))).toMatchObject({ retryable: true, failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);

    const nowhere = new SlackSender({ apiUrl: `http://127.0.0.1:${await freePort()}/api/`, timeoutSeconds: 2 });
    const err = await failure(nowhere.post({ token: TOKEN, channel: '#deploys', text: 'hi' }));
    expect(err).toMatchObject({ retryable: true, failure: 'network' });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('a fleet-wide revision message with many long failures stays within what Slack accepts', async () => {
    const results = Array.from({ length: 100 }, (_, i) => ({ cluster: `cluster-${i}`, namespace: 'default', outcome: 'failed' as const, message: 'x'.repeat(1000) }));
    const message = revisionMessage({ application: 'shop', revision: event.revision, total: 100, finished: 100, synced: 0, failed: 100, results, final: true });
    await expect(sender.post({ token: TOKEN, channel: '#fleet', ...message })).resolves.toHaveProperty('ts');
    const failures = targetMessage({
      ...event,
      type: 'SyncFailed',
      message: 'y'.repeat(5000),
      failedObjects: results.map((r) => ({ kind: 'Deployment', name: r.cluster, message: r.message })),
    });
    await expect(sender.post({ token: TOKEN, channel: '#fleet', ...failures })).resolves.toHaveProperty('ts');
  });
});
