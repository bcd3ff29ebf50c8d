// `npm run bench:checks`: how long one round of connectivity checks over 20 registered clusters
// takes when one of them is dead — refusing connections, or (worse) accepting them and never
// answering, so only the check timeout ends it. Real API servers, real app, real SQLite.
import { createServer, Server, Socket } from 'node:net';
import { ClusterChecks } from '../../src/clusters/cluster-checks';
import { apiClient } from '../support/api';
import { startApp } from '../support/app';
import { TestBed } from '../testbed/cluster';

const ADMIN = 'bench-admin-token-0123456789abcdef';

async function main(): Promise<void> {
  const bed = await TestBed.start({ names: ['bench-a', 'bench-b'] });
  const sockets: Socket[] = [];
  const blackhole: Server = createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
  await new Promise((r) => blackhole.once('listening', r));
  const silentPort = (blackhole.address() as { port: number }).port;
  const timeoutSeconds = 5;
  const running = await startApp({
    FLOTILLA_ADMIN_TOKEN: ADMIN,
    FLOTILLA_LOG_LEVEL: 'error',
    FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '86400',
    FLOTILLA_CLUSTERS__CHECK_TIMEOUT_SECONDS: String(timeoutSeconds),
  });
  try {
    const api = apiClient(running.baseUrl, ADMIN);
    const [a, b] = bed.clusters;
    for (let i = 0; i < 19; i++) {
      const c = i % 2 ? a : b;
      await api.post('/api/v1/clusters', { name: `live-${i}`, server: c.server, tls: { caData: c.caData }, auth: { type: 'bearerToken', token: c.adminToken } });
    }
    const checks = running.app.get(ClusterChecks);
    const round = async (label: string) => {
      const t0 = process.hrtime.bigint();
      await checks.checkAll();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const phases = (await api.get('/api/v1/clusters')).body.reduce(
        (m: Record<string, number>, c: { status: { phase: string } }) => ({ ...m, [c.status.phase]: (m[c.status.phase] ?? 0) + 1 }),
        {},
      );
      console.log(`${label.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms  ${JSON.stringify(phases)}`);
    };
    await round('19 live clusters (warm clients)');
    await api.post('/api/v1/clusters', { name: 'dead', server: 'https://127.0.0.1:1', tls: { caData: a.caData }, auth: { type: 'bearerToken', token: 'x' } });
    await round('20 clusters, one refusing connections');
    await api.delete('/api/v1/clusters/dead');
    await api.post('/api/v1/clusters', { name: 'dead', server: `https://127.0.0.1:${silentPort}`, tls: { caData: a.caData }, auth: { type: 'bearerToken', token: 'x' } });
    await round(`20 clusters, one silent (check timeout ${timeoutSeconds} s)`);
    console.log(`concurrency ${running.config.clusters.checkConcurrency}; the silent cluster holds one slot for the timeout, the others finish alongside`);
  } finally {
    await running.close();
    for (const s of sockets) s.destroy();
    blackhole.close();
    await bed.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
