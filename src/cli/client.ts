// The REST client, generated from the committed OpenAPI document (api-schema.d.ts, written by
// `npm run cli:types`): a path, method, parameter or body the server does not declare does not
// compile. openapi-fetch does the calls through the fetch below, which is node:http(s) with the
// extra CAs of --ca-file (Node 20's global fetch takes no CA option without the undici package);
// bodies stream, so the same client reads the live-events stream.
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-schema';
import type { Target } from './config';
import { ApiError, CliError, hintFor, serverMessageOf, transportError } from './errors';

export type Api = Client<paths>;

const VERSION = '0.1.0';
const REQUEST_TIMEOUT_MS = 120_000;

/** fetch over node:http(s), trusting the system's CAs plus those in `caFile`; no redirects followed. */
export function nodeFetch(opts: { caFile?: string; timeoutMs?: number } = {}): (input: Request) => Promise<Response> {
  let ca: string[] | undefined;
  if (opts.caFile) {
    try {
      ca = [...rootCertificates, readFileSync(opts.caFile, 'utf8')];
    } catch (e) {
      throw new CliError(`cannot read the CA file ${opts.caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'check --ca-file or FLOTILLA_CA_FILE');
    }
  }
  return async (input: Request) => {
    const url = new URL(input.url);
    const body = input.method === 'GET' || input.method === 'HEAD' ? undefined : Buffer.from(await input.arrayBuffer());
    const headers: Record<string, string> = {};
    input.headers.forEach((v, k) => (headers[k] = v));
    if (body) headers['content-length'] = String(body.length);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // resolves at the response's head: the body streams (an event stream never ends by itself)
    const msg = await new Promise<IncomingMessage>((done, fail) => {
      const req = send(url, { method: input.method, headers, ...(ca ? { ca } : {}) }, done);
      // an idle socket this long is a dead server (an event stream sends a comment every 15 s)
      req.setTimeout(opts.timeoutMs ?? REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', fail);
      input.signal?.addEventListener('abort', () => req.destroy(), { once: true });
      req.end(body);
    });
    const out = new Headers();
    for (const [k, v] of Object.entries(msg.headers)) {
      for (const one of [v].flat()) if (one !== undefined) out.append(k, one);
    }
    const status = msg.statusCode ?? 0;
    const empty = status === 204 || status === 304 || input.method === 'HEAD';
    if (empty) msg.resume();
    const stream = empty ? null : (Readable.toWeb(msg) as unknown as ReadableStream<Uint8Array>);
    return new Response(stream, { status, statusText: msg.statusMessage, headers: out });
  };
}

export function apiFor(target: Target): Api {
  const fetch = nodeFetch({ caFile: target.caFile });
  const client = createClient<paths>({
    baseUrl: target.server,
    headers: { 'user-agent': `flotilla-cli/${VERSION}`, ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
    fetch: async (input: Request) => {
      try {
        return await fetch(input);
      } catch (e) {
        throw e instanceof CliError ? e : transportError(target.server, e);
      }
    },
  });
  return client;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a successful answer, or an ApiError with the server's message and a hint. A 2xx
 * without a body (204) gives undefined.
 */
export async function ok<T>(target: Target, call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (e) {
    // a connection lost while the body was read surfaces here, past the fetch wrapper
    throw e instanceof CliError ? e : transportError(target.server, e);
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  throw apiError(target, response, error);
}

export function apiError(target: Target, response: Response, body: unknown): ApiError {
  const message = serverMessageOf(body, response.status, response.statusText);
  const hint = hintFor(response.status, { server: target.server, retryAfter: response.headers.get('retry-after'), context: target.context });
  const label = `${response.status} ${response.statusText || ''}`.trim();
  return new ApiError(response.status, message.startsWith(String(response.status)) ? message : `${message} (${label})`, hint);
}
