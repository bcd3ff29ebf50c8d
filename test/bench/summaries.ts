// Bench of the summary endpoints behind the charts (issue 29): the real service in-process, its
// SQLite database filled directly with a big fleet's history — RUNS sync runs spread over 30 days
// across TARGETS targets of 1,000 applications, DELIVERIES deliveries of one channel, and a month of
// health samples (one every 5 minutes) — then each summary asked for a day and for 30 days, and the
// median / worst latency of 20 requests printed. Rows are written with SQL rather than by running
// syncs: what is measured is the cost of reading them (GROUP BY over an index range), not of
// producing them. Run: node -r @swc-node/register test/bench/summaries.ts
import { DataSource } from 'typeorm';
import { apiClient } from '../support/api';
import { startApp } from '../support/app';

const ADMIN = 'bench-summaries-admin-token-0123456789';
const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
const TARGETS = Number(process.env.BENCH_TARGETS ?? 100_000);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 200_000);
const DAY = 86_400_000;
const PHASES = ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Failed', 'Blocked', 'Interrupted'];
const HEALTHS = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];
const sqliteTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

async function main(): Promise<void> {
  const running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'error' });
  try {
    const api = apiClient(running.baseUrl, ADMIN);
    const ds = running.app.get(DataSource);
    const now = Date.now();
    const seed = Date.now();
    const channel = await api.post('/api/v1/channels', { name: 'bench', type: 'webhook', webhook: { url: 'https://hooks.example.com/bench' } });
    if (channel.status !== 201) throw new Error(`channel: ${channel.status} ${JSON.stringify(channel.body)}`);
    // one application row for the per-application summary (its runs are seeded below); no
    // repository or cluster needed: with no destination it has no target to reconcile
    await ds.query(`INSERT INTO applications (name, labels, repository, path, destinations, syncPolicy) VALUES ('bench-app-0', '{}', 'bench', 'x', '[]', '{"automated":false}')`);
    await ds.transaction(async (tx) => {
      const batch = 500;
      for (let i = 0; i < RUNS; i += batch) {
        const rows: unknown[] = [];
        for (let j = i; j < Math.min(RUNS, i + batch); j++) {
          const started = now - 30 * DAY + Math.floor((j / RUNS) * 30 * DAY);
          const target = j % TARGETS;
          rows.push(
            target,
            `bench-app-${target % 1000}`,
            `c${target % 100}`,
            `ns${target}`,
            'manual',
            'bench',
            PHASES[j % PHASES.length],
            sqliteTime(started),
            sqliteTime(started + 500 + (j % 9000)),
          );
        }
        const n = rows.length / 9;
        await tx.query(
          `INSERT INTO sync_runs (targetId, application, cluster, namespace, "trigger", actor, phase, startedAt, finishedAt) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          rows,
        );
      }
      for (let i = 0; i < DELIVERIES; i += batch) {
        const rows: unknown[] = [];
        for (let j = i; j < Math.min(DELIVERIES, i + batch); j++) {
          const created = now - 30 * DAY + Math.floor((j / DELIVERIES) * 30 * DAY);
          const state = j % 20 === 0 ? 'failed' : 'delivered';
          rows.push(`bench-${j}`, 'bench', 'target', 'PostSync', '{}', state, 1, created, created, state === 'delivered' ? sqliteTime(created + 50 + (j % 2000)) : null);
        }
        const n = rows.length / 10;
        await tx.query(
          `INSERT INTO deliveries (id, channel, kind, event, payload, state, attempts, nextAttemptAt, createdAt, deliveredAt) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          rows,
        );
      }
      for (let at = now - 30 * DAY; at < now - 60_000; at += 5 * 60_000) {
        await tx.query(
          `INSERT INTO health_samples (at, health, targets) VALUES ${HEALTHS.map(() => '(?, ?, ?)').join(', ')}`,
          HEALTHS.flatMap((h, k) => [at, h, (at / 300_000 + k) % 5000]),
        );
      }
    });
    console.log(`seeded ${RUNS} runs (${TARGETS} targets), ${DELIVERIES} deliveries and 30 days of health samples in ${Date.now() - seed} ms`);

    const paths = [
      '/api/v1/summaries/runs?hours=24',
      '/api/v1/summaries/runs?hours=720',
      '/api/v1/summaries/health?hours=24',
      '/api/v1/summaries/health?hours=720',
      '/api/v1/applications/bench-app-0/summaries/runs?hours=24',
      '/api/v1/applications/bench-app-0/summaries/runs?hours=720',
      '/api/v1/channels/bench/summaries/deliveries?hours=24',
      '/api/v1/channels/bench/summaries/deliveries?hours=720',
    ];
    for (const path of paths) {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const res = await api.get(path);
        times.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      times.sort((a, b) => a - b);
      console.log(`${path.padEnd(70)} median ${times[10].toFixed(1)} ms, worst ${times[19].toFixed(1)} ms`);
    }
  } finally {
    await running.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
