// A TLS proxy in front of a test cluster's API server that fails chosen reads: GETs of one path
// are answered with a 500 Status, or their connection is dropped, and everything else is passed
// through. Like ApiServerProxy it serves the API server's own certificate, so a client with the
// cluster's CA talks to it unchanged — the engine sees a real failure from a real client.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestCluster } from '../testbed/cluster';

export type ReadFailure = 'status-500' | 'dropped-connection';

export class FailingApiServerProxy {
  /** path (without the query) → how a GET of it fails */
  private readonly failing = new Map<string, ReadFailure>();
  /** every request that reached the proxy, as `METHOD /path` */
  readonly requests: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly upstream: Agent,
  ) {}

  static async start(cluster: Pick<TestCluster, 'server' | 'caData' | 'dir'>): Promise<FailingApiServerProxy> {
    const pki = join(cluster.dir, 'pki');
    const target = new URL(cluster.server);
    const upstream = new Agent({ keepAlive: true, ca: Buffer.from(cluster.caData, 'base64') });
    // the handler reads `self` only for requests, which come after it is set below
    const server = createServer({ cert: readFileSync(join(pki, 'apiserver.crt')), key: readFileSync(join(pki, 'apiserver.key')) }, (req, res) => {
      const path = new URL(req.url ?? '/', target).pathname;
      const method = req.method ?? 'GET';
      self.requests.push(`${method} ${path}`);
      const failure = method === 'GET' ? self.failing.get(path) : undefined;
      if (failure === 'dropped-connection') {
        req.socket.destroy();
        return;
      }
      if (failure === 'status-500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 }));
        return;
      }
      const forward = request({ host: target.hostname, port: target.port, path: req.url, method, headers: { ...req.headers, host: target.host }, agent: upstream }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', (e) => res.destroy(e));
      req.pipe(forward);
    });
    const self = new FailingApiServerProxy(server, upstream);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return self;
  }

  /** `https://127.0.0.1:<port>`: use it as the cluster's server URL. */
  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** From now on GETs of `path` fail this way. */
  failReads(path: string, how: ReadFailure): void {
    this.failing.set(path, how);
  }

  heal(): void {
    this.failing.clear();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    this.upstream.destroy();
  }
}
