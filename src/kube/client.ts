// The one adapter to a Kubernetes API server. Objects travel as raw JSON: the client library's
// typed serializer drops fields its models do not know, which a GitOps engine must never do; and
// TLS options and the auth header come straight from the stored credentials (credentials.ts), so
// @kubernetes/client-node is not loaded for a client at all.
import { Agent as HttpAgent, request as httpRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { mapBounded } from '../shared/map-bounded';
import { ClusterCredentials, ClusterTransport, credentialsFromKubeconfig, transportFromCredentials } from './credentials';
import { ApiResource, Discovery, groupVersionPath } from './discovery';
import { classifyTransportError, ClusterUnreachableError, KubeApiError, mediaTypeOf, RequestSubject, UnexpectedAnswerError } from './errors';
import { assertReference } from './names';

// the other fields are any by design: objects travel as raw JSON (above), of every kind there is
export type KubeObject = {
  apiVersion: string;
  kind: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- metadata's other fields (labels, annotations, managedFields…) as the server sends them
  metadata: { name: string; namespace?: string; [key: string]: any };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- spec, status, data…: raw JSON of any kind of object
  [key: string]: any;
};

export interface KubeClientOptions {
  /** per request; default 30 s */
  timeoutMs?: number;
  /** concurrent connections to this server; default 16 */
  maxSockets?: number;
  /** told of every request (not watch events): for request metrics */
  onRequest?: (request: { verb: string; dryRun: boolean }) => void;
}

/** One event of a watch stream, as the API server sends it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
  platform?: string;
}

interface Call {
  method: string;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  subject: RequestSubject;
  /** what a successful answer must be; anything else is an UnexpectedAnswerError */
  expect?: { test: (body: unknown) => boolean; what: string };
}

export class KubeClient {
  readonly server: string;
  readonly discovery: Discovery;
  /** the keep-alive agent for requests (not watches), made on the first request */
  private agent?: HttpAgent;
  private readonly transport: ClusterTransport;
  private readonly timeoutMs: number;

  /** Throws CredentialsError for credentials that cannot work (see fromCredentials). */
  constructor(
    credentials: ClusterCredentials,
    private readonly options: KubeClientOptions = {},
  ) {
    this.transport = transportFromCredentials(credentials);
    this.server = this.transport.server;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.discovery = new Discovery((path) => this.call({ method: 'GET', path, subject: { verb: 'discover', resource: path } }));
  }

  static fromCredentials(credentials: ClusterCredentials, options?: KubeClientOptions): KubeClient {
    return new KubeClient(credentials, options);
  }

  static fromKubeconfig(text: string, context?: string, options?: KubeClientOptions): KubeClient {
    return KubeClient.fromCredentials(credentialsFromKubeconfig(text, context), options);
  }

  /**
   * The server's version; the cheapest call that proves reachability, TLS and (mostly) auth.
   * Anything but a Kubernetes version document (an HTML page, some other service's JSON) is an
   * UnexpectedAnswerError: a 200 from anything at that address proves nothing.
   */
  version(): Promise<ServerVersion> {
    return this.call({
      method: 'GET',
      path: '/version',
      subject: { verb: 'get', resource: 'version' },
      expect: { test: isServerVersion, what: 'a Kubernetes version document' },
    });
  }

  /**
   * What Helm's `.Capabilities` needs of this cluster: its version, and every served group/version
   * in both forms charts test for (`apps/v1` and `apps/v1/Deployment`).
   */
  async capabilities(): Promise<{ kubeVersion: string; apiVersions: string[] }> {
    const discover = <T>(path: string) => this.call<T>({ method: 'GET', path, subject: { verb: 'discover', resource: path } });
    const [version, core, named] = await Promise.all([
      this.version(),
      discover<{ versions?: string[] }>('/api'),
      discover<{ groups?: Array<{ versions?: Array<{ groupVersion: string }> }> }>('/apis'),
    ]);
    const groupVersions = [...(core.versions ?? []), ...(named.groups ?? []).flatMap((g) => (g.versions ?? []).map((v) => v.groupVersion))];
    const kinds = await mapBounded(groupVersions, 8, async (gv) => (await this.discovery.kinds(gv)).map((k) => `${gv}/${k}`));
    return { kubeVersion: version.gitVersion, apiVersions: [...new Set([...groupVersions, ...kinds.flat()])].sort() };
  }

  /**
   * At most `limit` namespaces: the cheapest read that proves the credentials may read something.
   * Anything but a list is an UnexpectedAnswerError.
   */
  namespaces(limit = 1): Promise<{ items: KubeObject[] }> {
    return this.call({
      method: 'GET',
      path: '/api/v1/namespaces',
      query: { limit: String(limit) },
      subject: { verb: 'list', resource: 'namespaces' },
      expect: { test: (b) => Array.isArray((b as { items?: unknown } | null)?.items), what: 'a Kubernetes NamespaceList' },
    });
  }

  /** Whether these credentials may `verb` the resource (SelfSubjectAccessReview). */
  async canI(verb: string, resource: string, opts: { group?: string; namespace?: string } = {}): Promise<{ allowed: boolean; reason?: string }> {
    const review = await this.call<{ status?: { allowed?: unknown; reason?: string } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb, resource, group: opts.group ?? '', namespace: opts.namespace } },
      },
      subject: { verb: 'create', resource: 'selfsubjectaccessreviews.authorization.k8s.io' },
    });
    return { allowed: review.status?.allowed === true, reason: review.status?.reason };
  }

  /** Every method naming an object checks the reference first (names.ts): no request for a path that would not stay itself. */
  resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    return this.discovery.resolve(apiVersion, kind);
  }

  /** The object, or undefined when it does not exist. */
  async get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    assertReference({ apiVersion, kind, name, namespace });
    const res = await this.resourceFor(apiVersion, kind);
    try {
      return await this.call({ method: 'GET', path: objectPath(res, namespace, name), subject: subjectOf('get', res, namespace, name) });
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async list(apiVersion: string, kind: string, opts: { namespace?: string; labelSelector?: string } = {}): Promise<KubeObject[]> {
    assertReference({ apiVersion, kind, namespace: opts.namespace });
    const res = await this.resourceFor(apiVersion, kind);
    const list = await this.call<{ items: KubeObject[] }>({
      method: 'GET',
      path: objectPath(res, opts.namespace),
      query: { labelSelector: opts.labelSelector },
      subject: subjectOf('list', res, opts.namespace),
    });
    // list items carry no apiVersion/kind
    return list.items.map((i) => ({ ...i, apiVersion, kind }));
  }

  async create(obj: KubeObject, opts: { dryRun?: boolean; fieldManager?: string } = {}): Promise<KubeObject> {
    assertReference({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name, namespace: obj.metadata?.namespace });
    const res = await this.resourceFor(obj.apiVersion, obj.kind);
    const ns = res.namespaced ? obj.metadata.namespace : undefined;
    return this.call({
      method: 'POST',
      path: objectPath(res, ns),
      query: { fieldManager: opts.fieldManager, fieldValidation: 'Strict', dryRun: opts.dryRun ? 'All' : undefined },
      body: obj,
      subject: subjectOf('create', res, ns, obj.metadata.name),
    });
  }

  /** Server-side apply (JSON is YAML, so the body is sent as it is), with strict field validation. */
  async apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject> {
    assertReference({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name, namespace: obj.metadata?.namespace });
    const res = await this.resourceFor(obj.apiVersion, obj.kind);
    const ns = res.namespaced ? obj.metadata.namespace : undefined;
    return this.call({
      method: 'PATCH',
      path: objectPath(res, ns, obj.metadata.name),
      query: {
        fieldManager: opts.fieldManager,
        force: opts.force === false ? undefined : 'true',
        fieldValidation: 'Strict',
        dryRun: opts.dryRun ? 'All' : undefined,
      },
      body: obj,
      contentType: 'application/apply-patch+yaml',
      subject: { ...subjectOf('patch', res, ns, obj.metadata.name), action: opts.dryRun ? 'apply (dry run)' : 'apply' },
    });
  }

  /** Deletes; false when the object was already gone. */
  async delete(apiVersion: string, kind: string, name: string, namespace?: string, opts: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {}): Promise<boolean> {
    assertReference({ apiVersion, kind, name, namespace });
    const res = await this.resourceFor(apiVersion, kind);
    const ns = res.namespaced ? namespace : undefined;
    try {
      await this.call({
        method: 'DELETE',
        path: objectPath(res, ns, name),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: opts.propagationPolicy ?? 'Background' },
        subject: subjectOf('delete', res, ns, name),
      });
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return false;
      throw e;
    }
  }

  /** Merge-patches the status subresource, as a controller would. */
  async patchStatus(apiVersion: string, kind: string, name: string, namespace: string | undefined, status: unknown): Promise<KubeObject> {
    assertReference({ apiVersion, kind, name, namespace });
    const res = await this.resourceFor(apiVersion, kind);
    const ns = res.namespaced ? namespace : undefined;
    return this.call({
      method: 'PATCH',
      path: `${objectPath(res, ns, name)}/status`,
      body: { status },
      contentType: 'application/merge-patch+json',
      subject: { ...subjectOf('patch', res, ns, name), resource: `${subjectOf('patch', res).resource}/status` },
    });
  }

  /** A raw call for anything the methods above do not cover; JSON in and out. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON of whatever the path answers, unless the caller names its shape
  request<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    return this.call({ method, path, body, contentType, subject: { verb: method.toLowerCase(), resource: path } });
  }

  /**
   * A watch as a stream: `onEvent` is called for each line as it arrives (never buffered whole).
   * Resolves when the server ends the stream (watches time out; the caller resumes from the last
   * resourceVersion); rejects with a KubeApiError for an error answer (410 Gone: relist) or the
   * transport's error; stops when `signal` aborts. Watch streams use their own connection: a
   * long-lived stream must not hold one of the agent's keep-alive sockets for requests.
   */
  async watch(path: string, query: Record<string, string | undefined>, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const { headers, ca, cert, key, rejectUnauthorized } = this.usableTransport();
    const url = new URL(path, this.server + '/');
    for (const [k, v] of Object.entries({ ...query, watch: '1', allowWatchBookmarks: 'true' })) if (v !== undefined) url.searchParams.set(k, v);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    this.options.onRequest?.({ verb: 'WATCH', dryRun: false });
    await new Promise<void>((done, fail) => {
      if (signal.aborted) return done();
      const req = send(
        url,
        {
          method: 'GET',
          agent: false,
          ca,
          cert,
          key,
          rejectUnauthorized,
          headers: { ...headers, accept: 'application/json' },
          signal,
        },
        (res: IncomingMessage) => {
          if ((res.statusCode ?? 0) >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.on('end', () => {
              let body: unknown;
              try {
                body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              } catch {
                body = undefined;
              }
              fail(KubeApiError.fromStatus(res.statusCode ?? 0, body, { verb: 'watch', resource: path }, mediaTypeOf(res.headers['content-type'])));
            });
            return;
          }
          let rest = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            rest += chunk;
            let nl: number;
            while ((nl = rest.indexOf('\n')) >= 0) {
              const line = rest.slice(0, nl).trim();
              rest = rest.slice(nl + 1);
              if (!line) continue;
              try {
                onEvent(JSON.parse(line) as WatchEvent);
              } catch (e) {
                req.destroy(e as Error);
                return;
              }
            }
          });
          res.on('end', () => done());
          res.on('error', (e) => (signal.aborted ? done() : fail(classifyTransportError(this.server, e))));
        },
      );
      req.on('error', (e) => (signal.aborted ? done() : fail(e instanceof KubeApiError ? e : classifyTransportError(this.server, e))));
      req.end();
    });
  }

  close(): void {
    this.agent?.destroy();
  }

  /**
   * The transport, unless it is plain http with certificate checks on, which every request has
   * always refused with this message (it was @kubernetes/client-node's rule and message).
   */
  private usableTransport(): ClusterTransport {
    if (this.server.startsWith('http:') && this.transport.rejectUnauthorized) throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
    return this.transport;
  }

  private requestAgent(): HttpAgent {
    if (!this.agent) {
      const { ca, cert, key, rejectUnauthorized } = this.usableTransport();
      const agentOptions = { keepAlive: true, maxSockets: this.options.maxSockets ?? 16, ca, cert, key, rejectUnauthorized };
      this.agent = this.server.startsWith('https:') ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    }
    return this.agent;
  }

  private async call<T>(c: Call): Promise<T> {
    const agent = this.requestAgent();
    const { headers } = this.transport;
    this.options.onRequest?.({ verb: c.method, dryRun: c.query?.dryRun !== undefined });
    const url = new URL(c.path, this.server + '/');
    for (const [k, v] of Object.entries(c.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const payload = c.body === undefined ? undefined : JSON.stringify(c.body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const response = await new Promise<{ status: number; text: string; contentType: string }>((done, fail) => {
      const req = send(
        url,
        {
          method: c.method,
          agent,
          headers: {
            ...headers,
            accept: 'application/json',
            ...(payload !== undefined ? { 'content-type': c.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), contentType: mediaTypeOf(res.headers['content-type']) }));
          res.on('error', fail);
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new ClusterUnreachableError(this.server, 'TIMEOUT', `no answer to ${c.method} ${c.path} within ${this.timeoutMs} ms`)));
      req.on('error', (e) => fail(e instanceof ClusterUnreachableError ? e : classifyTransportError(this.server, e)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
    // Whatever answers at a cluster's address is believed only as far as it looks like an API
    // server: a body is read only as JSON, and its text reaches a message only as a Status.
    let body: unknown = undefined;
    let json = response.text === '';
    if (!json) {
      try {
        body = JSON.parse(response.text);
        json = true;
      } catch {
        /* not JSON: never repeated */
      }
    }
    if (response.status >= 400) throw KubeApiError.fromStatus(response.status, body, c.subject, response.contentType);
    if (response.status < 200 || response.status >= 300) {
      throw new UnexpectedAnswerError(this.server, response.status, response.contentType, c.subject, 'a Kubernetes API answer');
    }
    if (!json || (c.expect && !c.expect.test(body))) {
      throw new UnexpectedAnswerError(this.server, response.status, response.contentType, c.subject, c.expect?.what ?? 'JSON');
    }
    return body as T;
  }
}

/** `{"major": "1", "minor": "34", "gitVersion": "v1.34.4", …}` as every API server answers /version. */
function isServerVersion(v: unknown): v is ServerVersion {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const { major, minor, gitVersion } = v as Record<string, unknown>;
  return typeof major === 'string' && typeof minor === 'string' && typeof gitVersion === 'string' && /^v\d+\.\d+\.\d+[-+.\w]{0,100}$/.test(gitVersion);
}

/** Throws InvalidReferenceError for a namespace or name that would not stay one path segment (names.ts). */
export function objectPath(res: Pick<ApiResource, 'group' | 'version' | 'resource' | 'namespaced'>, namespace?: string, name?: string): string {
  assertReference({ namespace: res.namespaced ? namespace : undefined, name });
  let path = groupVersionPath(res.group, res.version);
  if (res.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${res.resource}`;
  if (name) path += `/${encodeURIComponent(name)}`;
  return path;
}

function subjectOf(verb: string, res: ApiResource, namespace?: string, name?: string): RequestSubject {
  return { verb, resource: res.group ? `${res.resource}.${res.group}` : res.resource, namespace, name };
}
