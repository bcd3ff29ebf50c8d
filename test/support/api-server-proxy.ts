// A TLS-terminating proxy in front of a test cluster's API server, on loopback, that notes every
// HTTP request passing through it. It serves the API server's own certificate (issued for
// 127.0.0.1), so a client configured with the cluster's CA talks to it unchanged: what it counts
// is what the server was asked, whatever code path in the client asked it.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestCluster } from '../testbed/cluster';

export interface ProxiedRequest {
  method: string;
  /** path without the query */
  path: string;
  query: URLSearchParams;
}

export class ApiServerProxy {
  readonly requests: ProxiedRequest[] = [];

  private constructor(
    private readonly server: Server,
    private readonly upstream: Agent,
  ) {}

  /** Starts a proxy for `cluster` on a free loopback port. */
  static async start(cluster: Pick<TestCluster, 'server' | 'caData' | 'dir'>): Promise<ApiServerProxy> {
    const pki = join(cluster.dir, 'pki');
    const target = new URL(cluster.server);
    const upstream = new Agent({ keepAlive: true, ca: Buffer.from(cluster.caData, 'base64') });
    // the handler reads `self` only for requests, which come after it is set below
    const server = createServer({ cert: readFileSync(join(pki, 'apiserver.crt')), key: readFileSync(join(pki, 'apiserver.key')) }, (req, res) => {
      const url = new URL(req.url ?? '/', target);
      self.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
      const forward = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host }, agent: upstream },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (e) => res.destroy(e));
      req.pipe(forward);
    });
    const self = new ApiServerProxy(server, upstream);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return self;
  }

  /** `https://127.0.0.1:<port>`: use it as the cluster's server URL. */
  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests that may change the cluster: everything but GETs and `dryRun=All` (applies, creates, deletes). */
  get writes(): ProxiedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && r.query.get('dryRun') !== 'All');
  }

  /** Requests the server only simulates (`dryRun=All`). */
  get dryRuns(): ProxiedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && r.query.get('dryRun') === 'All');
  }

  get reads(): ProxiedRequest[] {
    return this.requests.filter((r) => r.method === 'GET');
  }

  reset(): void {
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    this.upstream.destroy();
  }
}
