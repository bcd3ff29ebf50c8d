// A local stand-in for the Slack Web API (`chat.postMessage`, `chat.update`) on 127.0.0.1, for
// tests that point `slack.apiUrl` (FLOTILLA_SLACK_API_URL) at `standin.url`. It answers as Slack
// does: form-encoded or JSON bodies, `blocks` as a JSON string, the token from the Authorization
// header, `{ ok: true, channel, ts }` with channel IDs (a post by name answers the ID; chat.update
// takes IDs only, as Slack's does) and increasing ts; it checks blocks against Slack's limits and
// answers `invalid_blocks` as Slack would. It records every call, keeps the messages (with edits
// and thread replies), and can be scripted to answer 429 + Retry-After, `{ok:false,error}`, or
// nothing at all.
import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface SlackCall {
  /** `chat.postMessage`, `chat.update`, … */
  method: string;
  /** from `Authorization: Bearer …`, or the `token` parameter */
  token?: string;
  /** the parameters as sent (form values are strings) */
  params: Record<string, unknown>;
  /** `blocks` parsed from its JSON string */
  blocks?: unknown;
  contentType: string;
  /** Date.now() on arrival */
  at: number;
  /** HTTP status answered (0 while hanging) */
  status: number;
  /** the body answered */
  answer?: Record<string, unknown>;
}

export interface StandinMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown;
  /** set on thread replies */
  threadTs?: string;
  /** how many chat.update calls changed it */
  edits: number;
}

/** Which calls a scripted answer applies to; every field that is set must match. */
export interface CallMatch {
  method?: string;
  token?: string;
  channel?: string;
}

type Scripted = { kind: 'rateLimited'; retryAfterSeconds: number } | { kind: 'error'; error: string } | { kind: 'http'; status: number } | { kind: 'hang' };

interface ScriptEntry {
  answer: Scripted;
  remaining: number;
  match: CallMatch;
}

export interface SlackStandinOptions {
  /** when set, any other token is answered `invalid_auth` */
  tokens?: string[];
}

const ID = /^[CGD][A-Z0-9]{8,}$/;

export class SlackStandin {
  readonly calls: SlackCall[] = [];
  private readonly script: ScriptEntry[] = [];
  private readonly channelIds = new Map<string, string>();
  private readonly byKey = new Map<string, StandinMessage>();
  private readonly ordered: StandinMessage[] = [];
  private seq = 0;
  private readonly epoch = Math.floor(Date.now() / 1000);

  private constructor(
    private readonly server: Server,
    private readonly options: SlackStandinOptions,
  ) {}

  static async start(options: SlackStandinOptions = {}): Promise<SlackStandin> {
    const server = createServer();
    const standin = new SlackStandin(server, options);
    server.on('request', (req, res) => void standin.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return standin;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The API base URL, ending with `/api/` as Slack's does. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** The next `calls` matching calls answer HTTP 429 with `Retry-After: seconds`. */
  rateLimit(retryAfterSeconds: number, calls = 1, match: CallMatch = {}): void {
    this.script.push({ answer: { kind: 'rateLimited', retryAfterSeconds }, remaining: calls, match });
  }

  /** The next `calls` matching calls answer `{ ok: false, error }` (HTTP 200, as Slack does). */
  failWith(error: string, calls = 1, match: CallMatch = {}): void {
    this.script.push({ answer: { kind: 'error', error }, remaining: calls, match });
  }

  /** The next `calls` matching calls answer an HTTP error status (e.g. 503). */
  httpError(status: number, calls = 1, match: CallMatch = {}): void {
    this.script.push({ answer: { kind: 'http', status }, remaining: calls, match });
  }

  /** The next `calls` matching calls are never answered (until close). */
  hang(calls = 1, match: CallMatch = {}): void {
    this.script.push({ answer: { kind: 'hang' }, remaining: calls, match });
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The channel ID a name maps to (created on first use, as if the channel existed). */
  channelId(nameOrId: string): string {
    if (ID.test(nameOrId)) return nameOrId;
    const name = nameOrId.replace(/^#/, '');
    let id = this.channelIds.get(name);
    if (!id) {
      id = `C${String(this.channelIds.size + 1).padStart(9, '0')}`;
      this.channelIds.set(name, id);
    }
    return id;
  }

  /** Messages as they are now (after edits), in posting order; thread replies included. */
  messages(channel?: string): StandinMessage[] {
    const id = channel === undefined ? undefined : this.channelId(channel);
    return this.ordered.filter((m) => id === undefined || m.channel === id);
  }

  message(channel: string, ts: string): StandinMessage | undefined {
    return this.byKey.get(`${this.channelId(channel)}/${ts}`);
  }

  replies(channel: string, threadTs: string): StandinMessage[] {
    return this.messages(channel).filter((m) => m.threadTs === threadTs);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = (req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, '');
    const contentType = String(req.headers['content-type'] ?? '');
    const params = parseParams(raw, contentType);
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? (typeof params.token === 'string' ? params.token : undefined);
    const call: SlackCall = { method, token, params, contentType, at: Date.now(), status: 0 };
    this.calls.push(call);
    let blocks: unknown;
    try {
      blocks = typeof params.blocks === 'string' ? JSON.parse(params.blocks) : params.blocks;
      call.blocks = blocks;
    } catch {
      return this.answer(res, call, 200, { ok: false, error: 'invalid_blocks_format' });
    }
    const scripted = this.takeScripted({ method, token, channel: typeof params.channel === 'string' ? params.channel : undefined });
    if (scripted?.kind === 'hang') return;
    if (scripted?.kind === 'rateLimited') {
      return this.answer(res, call, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(scripted.retryAfterSeconds) });
    }
    if (scripted?.kind === 'http') return this.answer(res, call, scripted.status, { ok: false, error: 'http_error' });
    if (scripted?.kind === 'error') return this.answer(res, call, 200, { ok: false, error: scripted.error });
    if (!token) return this.answer(res, call, 200, { ok: false, error: 'not_authed' });
    if (this.options.tokens && !this.options.tokens.includes(token)) return this.answer(res, call, 200, { ok: false, error: 'invalid_auth' });
    const problem = checkContent(params.text, blocks);
    if (problem) return this.answer(res, call, 200, problem);
    if (method === 'chat.postMessage') return this.post(res, call, params, blocks);
    if (method === 'chat.update') return this.update(res, call, params, blocks);
    return this.answer(res, call, 200, { ok: false, error: 'unknown_method' });
  }

  private post(res: ServerResponse, call: SlackCall, params: Record<string, unknown>, blocks: unknown): void {
    if (typeof params.channel !== 'string' || !params.channel) return this.answer(res, call, 200, { ok: false, error: 'channel_not_found' });
    const channel = this.channelId(params.channel);
    const ts = `${this.epoch}.${String(++this.seq).padStart(6, '0')}`;
    const threadTs = typeof params.thread_ts === 'string' && params.thread_ts ? params.thread_ts : undefined;
    const message: StandinMessage = { channel, ts, text: params.text as string | undefined, blocks, threadTs, edits: 0 };
    this.byKey.set(`${channel}/${ts}`, message);
    this.ordered.push(message);
    this.answer(res, call, 200, { ok: true, channel, ts, message: { type: 'message', text: message.text, ts, thread_ts: threadTs } });
  }

  private update(res: ServerResponse, call: SlackCall, params: Record<string, unknown>, blocks: unknown): void {
    const channel = typeof params.channel === 'string' ? params.channel : '';
    if (!ID.test(channel)) return this.answer(res, call, 200, { ok: false, error: 'channel_not_found' });
    const message = this.byKey.get(`${channel}/${String(params.ts)}`);
    if (!message) return this.answer(res, call, 200, { ok: false, error: 'message_not_found' });
    message.text = params.text as string | undefined;
    if (blocks !== undefined) message.blocks = blocks;
    message.edits++;
    this.answer(res, call, 200, { ok: true, channel, ts: message.ts, text: message.text });
  }

  private takeScripted(call: CallMatch): Scripted | undefined {
    const entry = this.script.find(
      (e) =>
        e.remaining > 0 &&
        (!e.match.method || e.match.method === call.method) &&
        (!e.match.token || e.match.token === call.token) &&
        (!e.match.channel || e.match.channel === call.channel),
    );
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining === 0) this.script.splice(this.script.indexOf(entry), 1);
    return entry.answer;
  }

  private answer(res: ServerResponse, call: SlackCall, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
    call.status = status;
    call.answer = body;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseParams(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.startsWith('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

/** Slack's message limits: text or blocks required, 40,000 characters, 50 blocks, field sizes. */
function checkContent(text: unknown, blocks: unknown): Record<string, unknown> | undefined {
  const hasText = typeof text === 'string' && text.length > 0;
  if (!hasText && blocks === undefined) return { ok: false, error: 'no_text' };
  if (typeof text === 'string' && text.length > 40_000) return { ok: false, error: 'msg_too_long' };
  if (blocks === undefined) return undefined;
  const errors = blockErrors(blocks);
  return errors.length > 0 ? { ok: false, error: 'invalid_blocks', errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } } : undefined;
}

function blockErrors(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  if (blocks.length > 50) return [`no more than 50 items allowed [json-pointer:/blocks]`];
  const errors: string[] = [];
  const textOf = (t: unknown, path: string, max: number, kinds = ['mrkdwn', 'plain_text']) => {
    const o = t as { type?: unknown; text?: unknown } | undefined;
    if (!o || !kinds.includes(String(o.type)) || typeof o.text !== 'string' || o.text.length === 0) errors.push(`invalid text object [json-pointer:${path}]`);
    else if (o.text.length > max) errors.push(`must be less than ${max + 1} characters [json-pointer:${path}/text]`);
  };
  blocks.forEach((b: Record<string, unknown>, i) => {
    const at = `/blocks/${i}`;
    switch (b?.type) {
      case 'header':
        textOf(b.text, `${at}/text`, 150, ['plain_text']);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) errors.push(`section needs text or fields [json-pointer:${at}]`);
        if (b.text !== undefined) textOf(b.text, `${at}/text`, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) errors.push(`no more than 10 fields [json-pointer:${at}/fields]`);
          else b.fields.forEach((f, j) => textOf(f, `${at}/fields/${j}`, 2000));
        }
        break;
      }
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) errors.push(`context needs 1 to 10 elements [json-pointer:${at}/elements]`);
        else b.elements.forEach((e, j) => textOf(e, `${at}/elements/${j}`, 3000));
        break;
      case 'divider':
      case 'actions':
      case 'image':
      case 'rich_text':
        break;
      default:
        errors.push(`unsupported block type [json-pointer:${at}/type]`);
    }
  });
  return errors;
}
