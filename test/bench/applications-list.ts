// `npm run bench:list`: GET /api/v1/applications over 1,000 applications of two targets each.
// It exists to show the list costs a fixed number of SQL queries per page, not one (or more) per
// application or target: it counts the queries TypeORM sends to SQLite during each request,
// beside latencies of a page of 100, of a walk over every page, and of reading one application.
// The app runs in-process (startApp) so its DataSource can be wrapped; requests are sent one at
// a time, so the queries counted while one is in flight are that request's (plus background work,
// whose rate is measured first and printed).
import { DataSource } from 'typeorm';
import { apiClient } from '../support/api';
import { type RunningApp, startApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { TestBed } from '../testbed/cluster';

const ADMIN = 'bench-list-admin-token-0123456789abcdef';
const APPLICATIONS = Number(process.env.BENCH_APPLICATIONS ?? 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)];

async function main(): Promise<void> {
  const bed = await TestBed.start({ names: ['list'] });
  let git: GitHttpServer | undefined;
  let running: RunningApp | undefined;
  try {
    git = await GitHttpServer.start();
    running = await startApp({
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      FLOTILLA_LOG_LEVEL: 'error',
      FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true',
      FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '3600',
      // the first check of 2,000 targets is set-up, not what is measured: get it over with quickly
      FLOTILLA_SYNC__CONCURRENCY: '16',
      FLOTILLA_SYNC__PER_CLUSTER_CONCURRENCY: '16',
    });
    const api = apiClient(running.baseUrl, ADMIN);
    const must = async (what: string, res: Promise<{ status: number; body: any }>) => {
      const r = await res;
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const [cluster] = bed.clusters;
    const repo = await git.createRepository('catalog');
    await repo.commit({ 'apps/list/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n' });
    await must(
      'registering the cluster',
      api.post('/api/v1/clusters', { name: 'list', server: cluster.server, tls: { caData: cluster.caData }, auth: { type: 'bearerToken', token: cluster.adminToken } }),
    );
    await must('registering the repository', api.post('/api/v1/repositories', { name: 'catalog', url: git.url('catalog'), pollIntervalSeconds: 3600 }));

    // the count: every statement TypeORM sends, whichever code path sends it
    const dataSource = running.app.get(DataSource);
    const logQuery = dataSource.logger.logQuery.bind(dataSource.logger);
    let queries = 0;
    dataSource.logger.logQuery = (query, parameters, runner) => {
      queries++;
      return logQuery(query, parameters, runner);
    };

    const created = Date.now();
    const names = Array.from({ length: APPLICATIONS }, (_, i) => `app-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 8) {
      await Promise.all(
        names.slice(i, i + 8).map((name, j) =>
          must(
            `creating ${name}`,
            api.post('/api/v1/applications', {
              name,
              labels: { team: `team-${(i + j) % 10}` },
              repository: 'catalog',
              path: 'apps/list',
              destinations: [
                { cluster: 'list', namespace: `${name}-a` },
                { cluster: 'list', namespace: `${name}-b` },
              ],
              syncPolicy: { automated: false, intervalSeconds: 3600 },
            }),
          ),
        ),
      );
    }
    console.log(`${APPLICATIONS} applications (${2 * APPLICATIONS} targets) created in ${((Date.now() - created) / 1000).toFixed(1)} s`);

    const list = (limit: number, cursor: string | null = null, query = '') =>
      must('listing', api.get(`/api/v1/applications?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
    /** Every page of 100, following nextCursor; also the cursor each page was asked with. */
    const walk = async () => {
      const items: any[] = [];
      const cursors: (string | null)[] = [];
      for (let cursor: string | null = null; ;) {
        cursors.push(cursor);
        const page: any = await list(100, cursor);
        items.push(...page.items);
        if (!(cursor = page.nextCursor)) return { items, cursors };
      }
    };
    // each new target gets one interval check (reading the cluster) before it rests for an hour;
    // measuring while 2,000 of them run would measure those, so wait them out
    const quietBy = Date.now() + 5 * 60_000;
    for (;;) {
      const busy = (await walk()).items.flatMap((a) => a.status.targets).filter((t: any) => t.sync === 'Unknown' || t.lastSyncRun?.phase === 'Running').length;
      if (busy === 0) break;
      if (Date.now() > quietBy) {
        console.log(`warning: ${busy} targets still not checked after 5 minutes; measuring anyway`);
        break;
      }
      await sleep(2000);
    }
    const q0 = queries;
    await sleep(3000);
    const background = (queries - q0) / 3;

    /** Sends `request` `n` times, one at a time; latency and SQL queries of each. */
    const measure = async (n: number, request: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 3; i++) await request(i); // warm-up
      const ms: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < n; i++) {
        const q = queries;
        const t = process.hrtime.bigint();
        await request(i);
        ms.push(Number(process.hrtime.bigint() - t) / 1e6);
        counts.push(queries - q);
      }
      return { ms, counts };
    };
    const { items: all, cursors } = await walk();
    const targets = all.reduce((n, a) => n + a.status.targets.length, 0);
    if (all.length !== APPLICATIONS || targets !== 2 * APPLICATIONS) throw new Error(`the walk found ${all.length} applications and ${targets} targets`);

    const results: [string, { ms: number[]; counts: number[] }][] = [
      ['GET /applications?limit=10', await measure(100, () => list(10))],
      ['GET /applications?limit=100 (each page in turn)', await measure(100, (i) => list(100, cursors[i % cursors.length]))],
      [`full walk, ${cursors.length} pages of 100`, await measure(20, walk)],
      [`GET /applications?selector=team=team-3 (${APPLICATIONS / 10} of ${APPLICATIONS})`, await measure(50, () => list(100, null, '&selector=team%3Dteam-3'))],
      ['GET /applications/:name (targets with resources)', await measure(200, (i) => must('get', api.get(`/api/v1/applications/${names[(i * 37) % names.length]}`)))],
    ];
    const width = Math.max(...results.map(([k]) => k.length));
    console.log(`\n${'request'.padEnd(width)}  ${'p50 ms'.padStart(8)}  ${'p95 ms'.padStart(8)}  SQL queries (p50, max)`);
    for (const [label, { ms, counts }] of results) {
      console.log(`${label.padEnd(width)}  ${pct(ms, 50).toFixed(1).padStart(8)}  ${pct(ms, 95).toFixed(1).padStart(8)}  ${pct(counts, 50)}, ${Math.max(...counts)}`);
    }
    console.log(
      `\n${APPLICATIONS} applications, ${targets} targets; background: ${background.toFixed(1)} queries/s while idle (they land in the counts above when they coincide with a request)`,
    );
    console.log('No N+1: a page of 10 and a page of 100 should cost the same number of queries.');
  } finally {
    await running?.close();
    await git?.stop();
    await bed.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
