// Webhook delivery: one HTTP POST of a CloudEvents 1.0 event in structured mode, signed as
// Standard Webhooks do, to an address the SSRF guard allows at connect time. One attempt per
// call; the outbox decides about retries from the DeliveryError. Gates call `send` too: a 2xx
// returns, anything else throws with the receiver's status and the first 500 bytes it answered.
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { InvalidInputError } from '../../shared/errors';
import { systemClock, type Clock } from '../../shared/clock';
import { AddressRefusedError, checkWebhookUrl, guardedLookup, WebhookUrlError, type AddressPolicy, type Resolver } from './address-guard';
import { DeliveryError, parseRetryAfter, redact } from './delivery-error';
import { WebhookSigner } from './webhook-signature';

/** What happened, as the CloudEvent carries it. `id` and `source` come from the delivery and the sender. */
export interface WebhookEvent {
  /** e.g. `io.flotilla.sync.presync` */
  type: string;
  /** e.g. `shop/east/default` */
  subject?: string;
  time: Date | string;
  data: unknown;
}

export interface WebhookDelivery {
  /** the delivery id: the CloudEvent `id` and `webhook-id`, the same on every attempt */
  id: string;
  url: string;
  secret?: string;
  headers?: Record<string, string>;
  timeoutSeconds: number;
  event: WebhookEvent;
}

export interface WebhookResponse {
  status: number;
  /** the first 500 bytes of the answer, as text */
  body: string;
}

export interface WebhookSenderOptions extends AddressPolicy {
  /** the CloudEvent `source` (a URI-reference); default `flotilla` */
  source?: string;
  userAgent?: string;
  /** the clock behind `webhook-timestamp` and the time-out */
  clock?: Clock;
  /** the resolver behind the SSRF guard (default `dns.lookup`); tests pass their own */
  resolve?: Resolver;
}

export const MAX_RESPONSE_BYTES = 500;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Headers a channel's own headers can never set: the framing, the signature, and `ce-*` (a
 * `ce-` header would make a receiver read the request as a binary-mode CloudEvent).
 */
const RESERVED = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED.has(lower) || lower.startsWith('ce-') || lower.startsWith('proxy-');
}

/** Create-time check of a channel's custom headers; throws InvalidInputError naming the header. */
export function checkWebhookHeaders(headers: Record<string, string>): void {
  const entries = Object.entries(headers ?? {});
  if (entries.length > 32) throw new InvalidInputError('a webhook may have at most 32 custom headers');
  for (const [name, value] of entries) {
    if (!TOKEN.test(name)) throw new InvalidInputError(`webhook header name "${name.slice(0, 64)}" is not a valid HTTP header name`);
    if (isReservedHeader(name)) throw new InvalidInputError(`webhook header "${name}" is set by Flotilla and cannot be overridden`);
    if (typeof value !== 'string' || BAD_VALUE.test(value) || value.length > 4096) {
      throw new InvalidInputError(`webhook header "${name}" must be a single-line string of at most 4096 characters`);
    }
  }
}

/** The CloudEvent for a delivery, serialised in structured mode: content type and body. */
export function cloudEventMessage(id: string, source: string, event: WebhookEvent): { contentType: string; body: string } {
  // loaded on the first delivery, not at start-up
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: an import would load cloudevents at start-up
  const { CloudEvent, HTTP } = require('cloudevents') as typeof import('cloudevents');
  const time = typeof event.time === 'string' ? event.time : event.time.toISOString();
  const ce = new CloudEvent({ specversion: '1.0', id, source, type: event.type, subject: event.subject, time, datacontenttype: 'application/json', data: event.data });
  const message = HTTP.structured(ce);
  return { contentType: String(message.headers['content-type']), body: message.body as string };
}

export class WebhookSender {
  private readonly policy: AddressPolicy;
  private readonly source: string;
  private readonly userAgent: string;
  private readonly clock: Clock;
  private readonly lookup: ReturnType<typeof guardedLookup>;

  constructor(options: WebhookSenderOptions) {
    this.policy = { allowPrivateNetworks: options.allowPrivateNetworks };
    this.source = options.source ?? 'flotilla';
    this.userAgent = options.userAgent ?? 'Flotilla-Webhooks/1';
    this.clock = options.clock ?? systemClock;
    this.lookup = guardedLookup(this.policy, options.resolve);
  }

  /** One attempt. Resolves on a 2xx; otherwise throws DeliveryError. */
  async send(delivery: WebhookDelivery): Promise<WebhookResponse> {
    const url = this.target(delivery.url);
    const where = `webhook receiver at ${url.origin}`;
    let message: { contentType: string; body: string };
    let signature: string | undefined;
    const timestamp = new Date(Math.floor(this.clock.now() / 1000) * 1000);
    try {
      message = cloudEventMessage(delivery.id, this.source, delivery.event);
      if (delivery.secret) signature = new WebhookSigner(delivery.secret).sign(delivery.id, timestamp, message.body);
    } catch (err) {
      const reason = redact(err instanceof Error ? err.message : String(err), [delivery.secret]).replace(/\s+/g, ' ');
      throw new DeliveryError(`cannot build the webhook event: ${reason}`, { retryable: false, failure: 'invalid' });
    }
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    for (const [name, value] of Object.entries(delivery.headers ?? {})) {
      if (!isReservedHeader(name)) headers[name.toLowerCase()] = value;
    }
    Object.assign(headers, {
      'content-type': message.contentType,
      'content-length': String(Buffer.byteLength(message.body)),
      'webhook-id': delivery.id,
      'webhook-timestamp': String(timestamp.getTime() / 1000),
    });
    if (signature) headers['webhook-signature'] = signature;
    const timeoutMs = Number.isFinite(delivery.timeoutSeconds) && delivery.timeoutSeconds > 0 ? delivery.timeoutSeconds * 1000 : DEFAULT_TIMEOUT_MS;
    const response = await this.post(url, headers, message.body, timeoutMs, where, delivery.secret);
    return this.outcome(response, where);
  }

  /** The static checks again at send time (the channel may predate a config change), as DeliveryErrors. */
  private target(input: string): URL {
    try {
      return checkWebhookUrl(input, this.policy);
    } catch (err) {
      if (err instanceof AddressRefusedError) throw new DeliveryError(err.message, { retryable: false, failure: 'address' });
      if (err instanceof WebhookUrlError) throw new DeliveryError(err.message, { retryable: false, failure: 'invalid' });
      throw err;
    }
  }

  private post(
    url: URL,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
    where: string,
    secret?: string,
  ): Promise<WebhookResponse & { headers: IncomingMessage['headers'] }> {
    return new Promise((resolve, reject) => {
      let status: number | undefined;
      let responseHeaders: IncomingMessage['headers'] = {};
      const chunks: Buffer[] = [];
      let received = 0;
      let settled = false;
      const text = () => Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        req.destroy();
        if (err === undefined) resolve({ status: status!, body: text(), headers: responseHeaders });
        else reject(this.networkError(err, where, timeoutMs, secret));
      };
      const timer = this.clock.after(timeoutMs, () => (status === undefined ? finish(new TimeoutSignal()) : finish()));
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      let req: ReturnType<typeof httpRequest>;
      try {
        req = request(url, { method: 'POST', headers, agent: false, lookup: this.lookup }, (res) => {
          status = res.statusCode ?? 0;
          responseHeaders = res.headers;
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            received += chunk.length;
            if (received >= MAX_RESPONSE_BYTES) finish();
          });
          res.on('end', () => finish());
          // a receiver that dies mid-answer: what it said so far is its answer
          res.on('error', () => finish());
          res.on('close', () => finish());
        });
      } catch (err) {
        // a header Node refuses (ERR_INVALID_CHAR, ERR_INVALID_HTTP_TOKEN)
        timer.cancel();
        const reason = redact(err instanceof Error ? err.message : String(err), [secret]);
        return reject(new DeliveryError(`cannot send to the ${where}: ${reason}`, { retryable: false, failure: 'invalid' }));
      }
      req.on('error', (err) => (status === undefined ? finish(err) : finish()));
      req.end(body);
    });
  }

  private networkError(err: unknown, where: string, timeoutMs: number, secret?: string): DeliveryError {
    if (err instanceof TimeoutSignal) {
      return new DeliveryError(`${where} did not answer within ${timeoutMs / 1000}s`, { retryable: true, failure: 'timeout' });
    }
    if (err instanceof AddressRefusedError) return new DeliveryError(err.message, { retryable: false, failure: 'address' });
    const e = err as NodeJS.ErrnoException;
    const reason = redact(e?.code ? `${e.code} (${e.message})` : String(e?.message ?? err), [secret]);
    return new DeliveryError(`cannot reach the ${where}: ${reason}`, { retryable: true, failure: 'network' });
  }

  private outcome(response: WebhookResponse & { headers: IncomingMessage['headers'] }, where: string): WebhookResponse {
    const { status, body, headers } = response;
    if (status >= 200 && status < 300) return { status, body };
    const said = body.trim() ? `: ${body.replace(/\s+/g, ' ').trim()}` : '';
    if (status >= 300 && status < 400) {
      return fail(`${where} answered ${status} (a redirect; redirects are not followed)`, false, 'redirect');
    }
    const retryAfterSeconds = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'], this.clock.now()) : undefined;
    if (status === 429) return fail(`${where} answered 429 (rate limited)${said}`, true, 'rateLimited', retryAfterSeconds);
    const retryable = status === 408 || status >= 500 || status < 200;
    return fail(`${where} answered ${status}${said}`, retryable, 'http', retryAfterSeconds);

    function fail(message: string, retryable: boolean, failure: 'redirect' | 'rateLimited' | 'http', retryAfter?: number): never {
      throw new DeliveryError(message, { retryable, failure, status, body, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) });
    }
  }
}

/** The deadline passed before the receiver answered. */
class TimeoutSignal extends Error {}
