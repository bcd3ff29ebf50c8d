// A webhook receiver on 127.0.0.1 for tests: records every request (headers, body, arrival
// time), verifies the Standard Webhooks signature with the `standardwebhooks` package (never with
// Flotilla's own code), parses the CloudEvent, and answers as scripted: a queue of answers
// (`respond(...)`) taken one per request, then the default (`always(...)`, 200 at first).
// Answers can be any status with a body, a delay, a redirect, or no answer at all (hang).
//
// Secrets follow Flotilla's rule (src/channels/senders/webhook-signature.ts): a `whsec_` secret
// is used as the standard says; any other string stands for its UTF-8 bytes, i.e. the standard
// secret `whsec_` + base64(secret).
import { once } from 'node:events';
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type ReceiverAnswer =
  { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | { redirect: string; status?: 301 | 302 | 303 | 307 | 308 } | { hang: true };

export interface ReceivedRequest {
  method: string;
  /** path and query */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** the body parsed as JSON (the CloudEvent), when it is JSON */
  event?: Record<string, any>;
  /** the signature checked out; undefined when the receiver has no secret */
  verified?: boolean;
  /** why verification failed */
  verifyError?: string;
  /** Date.now() when the body had arrived */
  at: number;
  /** the status answered; 0 for a hang */
  status: number;
}

export interface WebhookReceiverOptions {
  /** the channel's secret; requests are verified with it */
  secret?: string;
}

export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly queue: ReceiverAnswer[] = [];
  private fallback: ReceiverAnswer = { status: 200, body: 'ok' };
  private verifier?: Webhook;
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {}

  static async start(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    receiver.setSecret(options.secret);
    server.on('request', (req, res) => void receiver.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>/hook` */
  get url(): string {
    return this.urlFor('/hook');
  }

  urlFor(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  setSecret(secret: string | undefined): void {
    this.verifier = secret === undefined ? undefined : new Webhook(secret.startsWith('whsec_') ? secret : `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`);
  }

  /** Answers for the next requests, one each, in order; then the default again. */
  respond(...answers: ReceiverAnswer[]): void {
    this.queue.push(...answers);
  }

  /** The answer once the scripted ones are used up. */
  always(answer: ReceiverAnswer): void {
    this.fallback = answer;
  }

  get verified(): ReceivedRequest[] {
    return this.requests.filter((r) => r.verified === true);
  }

  get rejected(): ReceivedRequest[] {
    return this.requests.filter((r) => r.verified === false);
  }

  /** Resolves once at least `count` requests have arrived; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 15_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`webhook receiver: ${this.requests.length} of ${count} requests after ${timeoutMs}ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests.slice(0, count);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const record: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now(), status: 0 };
    try {
      record.event = JSON.parse(body) as Record<string, any>;
    } catch {
      // not JSON; kept as text
    }
    if (this.verifier) {
      try {
        this.verifier.verify(body, req.headers as Record<string, string>);
        record.verified = true;
      } catch (err) {
        record.verified = false;
        record.verifyError = (err as Error).message;
      }
    }
    const answer = this.queue.shift() ?? this.fallback;
    if (!('hang' in answer)) record.status = 'redirect' in answer ? (answer.status ?? 302) : answer.status;
    this.requests.push(record);
    for (const wake of this.waiters.splice(0)) wake();
    if ('hang' in answer) return;
    if ('redirect' in answer) {
      res.writeHead(answer.status ?? 302, { location: answer.redirect });
      res.end();
      return;
    }
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...answer.headers });
    res.end(answer.body ?? '');
  }
}
