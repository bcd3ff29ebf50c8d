// Shared by the hostile-repository tests (issue 18): a stand-in for the service's API that must
// keep answering while hostile input is handled, and unique `hz-` names on the test clusters.
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `hz-<random>`: namespaces and cluster-scoped names no other test uses */
export function hz(prefix = 'hz'): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export interface Responsiveness {
  /** requests answered while watching */
  answered: number;
  /** the slowest answer */
  slowestMs: number;
  /** the longest gap between ticks of a 5 ms timer */
  stallMs: number;
}

/**
 * Runs `work` while an HTTP server in this process is asked every 20 ms (as the API would be) and
 * a 5 ms timer ticks; says how slow the answers and how long the stalls were.
 */
export async function whileResponsive<T>(work: () => Promise<T>): Promise<{ result: T | Error; health: Responsiveness }> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const health: Responsiveness = { answered: 0, slowestMs: 0, stallMs: 0 };
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    health.stallMs = Math.max(health.stallMs, now - last - 5);
    last = now;
  }, 5);
  let asking = true;
  const ask = async () => {
    while (asking) {
      const started = performance.now();
      await new Promise<void>((done) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/v1/health', agent: false }, (res) => {
          res.resume();
          res.on('end', () => done());
        });
        req.on('error', () => done());
        req.end();
      });
      health.answered++;
      health.slowestMs = Math.max(health.slowestMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const asker = ask();
  try {
    const result = await work().catch((e: Error) => e);
    return { result, health };
  } finally {
    asking = false;
    clearInterval(ticker);
    await asker;
    await new Promise((done) => server.close(done));
  }
}
