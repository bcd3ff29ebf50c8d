// The API server's own server-side-apply rate, as the reference a client's rate is measured
// against: raw `PATCH application/apply-patch+yaml` requests (the very requests the engine sends,
// same query), `inFlight` at a time over keep-alive https connections, no reads, no ordering
// beyond "namespaces first". Paths and bodies are prepared before the clock starts.
import { Agent, request } from 'node:https';
import { objectPath, type KubeClient, type KubeObject } from '../../src/kube';
import { mapBounded } from '../../src/shared/map-bounded';
import type { TestCluster } from '../testbed/cluster';

interface Prepared {
  path: string;
  body: string;
}

/**
 * Applies `namespaces` (all at once), then `objects` with `inFlight` requests in flight; the
 * milliseconds it took. `client` only resolves kinds to paths (discovery, before the clock starts).
 */
export async function rawApply(
  cluster: Pick<TestCluster, 'server' | 'caData' | 'adminToken'>,
  client: KubeClient,
  namespaces: readonly KubeObject[],
  objects: readonly KubeObject[],
  inFlight: number,
): Promise<number> {
  const prepare = async (o: KubeObject): Promise<Prepared> => {
    const res = await client.discovery.resolve(o.apiVersion, o.kind);
    const query = new URLSearchParams({ fieldManager: 'bench-raw', force: 'true', fieldValidation: 'Strict' });
    return { path: `${objectPath(res, res.namespaced ? o.metadata.namespace : undefined, o.metadata.name)}?${query.toString()}`, body: JSON.stringify(o) };
  };
  const first = await Promise.all(namespaces.map(prepare));
  const rest = await Promise.all(objects.map(prepare));
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight, ca: Buffer.from(cluster.caData, 'base64') });
  const send = (p: Prepared) =>
    new Promise<void>((done, fail) => {
      const req = request(
        new URL(p.path, cluster.server),
        {
          method: 'PATCH',
          agent,
          headers: {
            authorization: `Bearer ${cluster.adminToken}`,
            accept: 'application/json',
            'content-type': 'application/apply-patch+yaml',
            'content-length': Buffer.byteLength(p.body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            (res.statusCode ?? 0) < 300 ? done() : fail(new Error(`PATCH ${p.path}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`)),
          );
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(p.body);
    });
  try {
    const started = performance.now();
    await Promise.all(first.map(send));
    await mapBounded(rest, inFlight, send);
    return performance.now() - started;
  } finally {
    agent.destroy();
  }
}
