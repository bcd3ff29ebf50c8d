// Slack delivery through the real `@slack/web-api` client: `chat.postMessage` and `chat.update`,
// one attempt per call. The client's own retries are off (the outbox retries, durably) and a 429
// is rejected at once instead of pausing the client's queue (NOTES.md), so a rate-limited
// channel waits in the outbox and no other channel waits with it. Every failure becomes a
// DeliveryError whose message never holds the token.
import type { Logger, WebAPICallResult, WebClient } from '@slack/web-api';
import { DeliveryError, parseRetryAfter, redact } from './delivery-error';
import type { SlackBlock } from '../slack-message';

export interface SlackSenderOptions {
  /** config `slack.apiUrl` (FLOTILLA_SLACK_API_URL), e.g. `https://slack.com/api/` */
  apiUrl: string;
  /** per request */
  timeoutSeconds: number;
}

export interface SlackPost {
  token: string;
  /** a channel ID (`C0123…`) or name (`#deploys`) */
  channel: string;
  /** the plain-text fallback: notifications, screen readers, clients without blocks */
  text: string;
  blocks?: SlackBlock[];
  /** post as a reply in this message's thread */
  threadTs?: string;
}

export interface SlackUpdate {
  token: string;
  /** the channel ID that `post` returned: Slack's `chat.update` does not take channel names */
  channel: string;
  ts: string;
  text: string;
  blocks?: SlackBlock[];
}

/** Where the message is: `ts` is its id, `channel` the channel's ID (even when posted by name). */
export interface SlackPosted {
  ts: string;
  channel: string;
}

// Slack error codes worth another try; every other `ok: false` is a fact about the channel,
// the token or the message that a retry cannot change.
const RETRYABLE_CODES = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited', 'rate_limited', 'team_added_to_org']);

const HINTS: Record<string, string> = {
  invalid_auth: 'the token is not valid',
  not_authed: 'no token was sent',
  account_inactive: 'the token belongs to a deleted user or workspace',
  token_revoked: 'the token was revoked',
  token_expired: 'the token expired',
  missing_scope: 'the token lacks the chat:write scope',
  channel_not_found: 'the channel does not exist, or the app cannot see it (invite it, or use the channel ID)',
  not_in_channel: 'the app is not a member of the channel (invite it)',
  is_archived: 'the channel is archived',
  msg_too_long: 'the message is too long',
  invalid_blocks: 'Slack refused the message blocks',
  no_text: 'the message has no text',
  message_not_found: 'the message to update no longer exists',
  cant_update_message: 'the message cannot be updated by this token',
  restricted_action: 'the workspace does not allow the app to post here',
};

const MAX_CLIENTS = 256;

/** @slack/web-api, loaded when a Slack channel first sends: a service without one never pays for it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily on purpose (see above); an import would load it at start-up
const slackWebApi = (): typeof import('@slack/web-api') => require('@slack/web-api');

export class SlackSender {
  private readonly clients = new Map<string, WebClient>();

  constructor(private readonly options: SlackSenderOptions) {}

  async post(message: SlackPost): Promise<SlackPosted> {
    const params: Record<string, unknown> = { channel: message.channel, text: message.text, unfurl_links: false, unfurl_media: false };
    if (message.blocks) params.blocks = message.blocks;
    if (message.threadTs) params.thread_ts = message.threadTs;
    return this.call(message.token, 'chat.postMessage', params);
  }

  async update(message: SlackUpdate): Promise<SlackPosted> {
    const params: Record<string, unknown> = { channel: message.channel, ts: message.ts, text: message.text };
    if (message.blocks) params.blocks = message.blocks;
    return this.call(message.token, 'chat.update', params);
  }

  private async call(token: string, method: string, params: Record<string, unknown>): Promise<SlackPosted> {
    let result: WebAPICallResult & { ts?: unknown; channel?: unknown };
    try {
      result = await this.client(token).apiCall(method, params);
    } catch (err) {
      throw slackDeliveryError(err, method, token);
    }
    if (typeof result.ts !== 'string' || typeof result.channel !== 'string') {
      throw new DeliveryError(`Slack ${method} answered ok without a message ts and channel`, { retryable: false, failure: 'slack' });
    }
    return { ts: result.ts, channel: result.channel };
  }

  /** One client per token: the client holds its token and request queue. */
  private client(token: string): WebClient {
    let client = this.clients.get(token);
    if (client) return client;
    client = new (slackWebApi().WebClient)(token, {
      slackApiUrl: this.options.apiUrl,
      timeout: this.options.timeoutSeconds * 1000,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: silentLogger,
      allowAbsoluteUrls: false,
    });
    if (this.clients.size >= MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
    this.clients.set(token, client);
    return client;
  }
}

/** A failure of the Slack client as a DeliveryError; the token is scrubbed from anything quoted. */
export function slackDeliveryError(err: unknown, method: string, token: string): DeliveryError {
  const say = (text: string) => redact(`Slack ${method} failed: ${text}`, [token]);
  const e = err as { code?: unknown; message?: string };
  const { ErrorCode } = slackWebApi();
  switch (e?.code) {
    case ErrorCode.RateLimitedError: {
      const retryAfterSeconds = (err as { retryAfter: number }).retryAfter;
      return new DeliveryError(say(`rate limited, retry after ${retryAfterSeconds}s`), { retryable: true, failure: 'rateLimited', status: 429, retryAfterSeconds });
    }
    case ErrorCode.PlatformError: {
      const error = (err as { data?: { error?: unknown } }).data?.error;
      const code = typeof error === 'string' ? error : 'unknown_error';
      const hint = HINTS[code] ? ` (${HINTS[code]})` : '';
      return new DeliveryError(say(`${code}${hint}`), { retryable: RETRYABLE_CODES.has(code), failure: code === 'ratelimited' ? 'rateLimited' : 'slack', code });
    }
    case ErrorCode.HTTPError: {
      const { statusCode: status, headers } = err as { statusCode: number; headers: Record<string, string> };
      const retryAfterSeconds = parseRetryAfter(headers?.['retry-after']);
      return new DeliveryError(say(`the Slack API answered HTTP ${status}`), {
        retryable: status >= 500 || status === 408,
        failure: 'http',
        status,
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      });
    }
    case ErrorCode.RequestError: {
      const original = (err as { original?: Error & { cause?: { code?: string; message?: string } } }).original;
      if (original?.name === 'TimeoutError' || original?.name === 'AbortError') {
        return new DeliveryError(say('the Slack API did not answer in time'), { retryable: true, failure: 'timeout' });
      }
      const cause = original?.cause?.code ?? original?.cause?.message;
      return new DeliveryError(say(`cannot reach the Slack API: ${original?.message ?? 'request failed'}${cause ? ` (${cause})` : ''}`), { retryable: true, failure: 'network' });
    }
  }
  const text = e?.message ?? String(err);
  // a 429 without a usable Retry-After: the client gives up at once (rejectRateLimitedCalls aside)
  if (/^Retry header did not contain a valid timeout/.test(text)) {
    return new DeliveryError(say('rate limited (no usable Retry-After)'), { retryable: true, failure: 'rateLimited', status: 429 });
  }
  return new DeliveryError(say(text), { retryable: false, failure: 'invalid' });
}

const noop = () => undefined;
const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  setLevel: noop,
  getLevel: () => slackWebApi().LogLevel.ERROR,
  setName: noop,
};
