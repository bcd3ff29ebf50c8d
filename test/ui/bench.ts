// `npm run bench:ui`: how fast the web UI renders at fleet size, in headless Chromium (Debian's,
// through playwright-core), against the real service:
//   - the fleet matrix of 1,000 applications × 100 clusters (100,000 targets; registered through
//     the API, their status then made up and written into the database): first paint — from the
//     first page of GET /api/v1/fleet being in to the matrix painted, and from navigation start —
//     what that route costs at this size with each filter, and scrolling through all the rows;
//   - the resource tree of one target of 1,000 objects on a real test-bed cluster (250
//     Deployments applied by Flotilla, a ReplicaSet each and two Pods per ReplicaSet, created as
//     the controllers would): from the tree's answer to its first render painted, as the list
//     and as the graph.
// Each is measured over several fresh page loads; the UI marks the moments itself (performance
// marks fleet:data → fleet:rendered, tree:data → tree:rendered). Prints figures; asserts nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { apiClient } from '../support/api';
import { type RunningApp, startApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { deploymentYaml } from '../support/workloads';
import { clusterRequest, TestBed } from '../testbed/cluster';
import { launchBrowser } from './browser';
import { ensureUiBuilt } from './build';

const ADMIN = 'bench-ui-admin-token-0123456789abcdef';
const APPLICATIONS = Number(process.env.BENCH_APPLICATIONS ?? 1000);
const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 100);
const DEPLOYMENTS = 250;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NS = 'ui-bench-tree';
const SYNC = ['Synced', 'Synced', 'Synced', 'Synced', 'OutOfSync', 'Unknown'];
const HEALTH = ['Healthy', 'Healthy', 'Healthy', 'Healthy', 'Progressing', 'Degraded', 'Missing', 'Suspended'];

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms (min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)}, n=${s.length})`;
};
const log = (line: string) => process.stdout.write(`${line}\n`);

async function must(what: string, res: Promise<{ status: number; body: any }>): Promise<any> {
  const r = await res.catch((e: Error) => {
    throw new Error(`${what}: ${e.message} (${String(e.cause)})`, { cause: e });
  });
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body;
}

/** the duration of a performance measure the page records, once it exists */
async function measure(page: Page, name: string): Promise<{ render: number; at: number; commit: number }> {
  // polled with evaluate: waitForFunction's string form is an eval the page's CSP forbids
  const deadline = Date.now() + 120_000;
  while (!(await page.evaluate(`performance.getEntriesByName(${JSON.stringify(name)}, 'measure').length > 0`))) {
    if (Date.now() > deadline) throw new Error(`no ${name} measure within 2 minutes`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return page.evaluate<{ render: number; at: number; commit: number }>(
    `(() => { const m = performance.getEntriesByName(${JSON.stringify(name)}, 'measure')[0]; const c = performance.getEntriesByName(${JSON.stringify(name.replace(':render', ':commit'))}, 'measure')[0]; return { render: m.duration, at: m.startTime + m.duration, commit: c ? c.duration : NaN }; })()`,
  );
}

/** the requests to `path` of this page load (every page of a list, or the first only): first start to last end, bytes */
async function apiTiming(page: Page, path: string, firstOnly = false): Promise<{ ms: number; bytes: number; requests: number }> {
  return page.evaluate<{ ms: number; bytes: number; requests: number }>(
    `(() => { const es = performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname === ${JSON.stringify(path)}).slice(0, ${firstOnly ? 1 : 'undefined'});
      if (!es.length) return { ms: NaN, bytes: NaN, requests: 0 };
      return { ms: Math.max(...es.map((e) => e.responseEnd)) - Math.min(...es.map((e) => e.startTime)), bytes: es.reduce((n, e) => n + e.decodedBodySize, 0), requests: es.length }; })()`,
  );
}

/**
 * The same target of 1,000 objects as a graph (React Flow, laid out by dagre; the view the page
 * remembers): from the tree's answer to the graph painted — laid out, the nodes in view measured,
 * their edges drawn.
 */
async function benchGraph(page: Page, targetUrl: string): Promise<void> {
  await page.evaluate("localStorage.setItem('flotilla.targetView', 'graph')");
  const render: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    await page.goto(targetUrl);
    const m = await measure(page, 'graph:render');
    if (i === 0) {
      const detail = await page.evaluate<{ objects: number; dagreRuns: number }>("performance.getEntriesByName('graph:render', 'measure')[0].detail");
      const nodes = await page.locator('.react-flow__node').count();
      const edges = await page.locator('.react-flow__edge').count();
      log(`graph: ${detail.objects} objects laid out with ${detail.dagreRuns} dagre call(s); ${nodes} nodes and ${edges} edges in the DOM (only those in view)`);
      continue; // the first load also fetches the graph's chunk
    }
    render.push(m.render);
  }
  await page.evaluate("localStorage.removeItem('flotilla.targetView')");
  log(`resource graph of the same target (${DEPLOYMENTS * 4} objects):`);
  log(`  data in → graph painted (layout, nodes in view, their edges): ${stats(render)}`);
}

async function main(): Promise<void> {
  log('building the UI when stale…');
  await ensureUiBuilt();
  const bed = await TestBed.start({ names: ['ui-bench'] });
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-bench-ui-'));
  let git: GitHttpServer | undefined;
  let running: RunningApp | undefined;
  const env = {
    FLOTILLA_ADMIN_TOKEN: ADMIN,
    FLOTILLA_LOG_LEVEL: 'error',
    FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true',
    FLOTILLA_CLUSTERS__CHECK_INTERVAL_SECONDS: '3600',
    FLOTILLA_SYNC__CONCURRENCY: '16',
    FLOTILLA_SYNC__PER_CLUSTER_CONCURRENCY: '16',
  };
  const browser = await launchBrowser();
  try {
    git = await GitHttpServer.start();
    running = await startApp(env, { dataDir });
    const api = apiClient(running.baseUrl, ADMIN);
    const [cluster] = bed.clusters;

    // the tree: 250 Deployments applied by Flotilla on the real cluster
    const repo = await git.createRepository('ui-bench');
    const docs = Array.from({ length: DEPLOYMENTS }, (_, i) => deploymentYaml(`web-${String(i).padStart(3, '0')}`));
    await repo.commit({ 'tree/deployments.yaml': docs.join('---\n'), 'fleet/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n' });
    await must('repository', api.post('/api/v1/repositories', { name: 'ui-bench', url: git.url('ui-bench'), pollIntervalSeconds: 3600 }));
    await must(
      'tree cluster',
      api.post('/api/v1/clusters', { name: 'ui-bench', server: cluster.server, tls: { caData: cluster.caData }, auth: { type: 'bearerToken', token: cluster.adminToken } }),
    );
    await must(
      'tree application',
      api.post('/api/v1/applications', { name: 'ui-bench-tree', repository: 'ui-bench', path: 'tree', destinations: [{ cluster: 'ui-bench', namespace: NS }] }),
    );
    log(`applying ${DEPLOYMENTS} Deployments through Flotilla…`);
    for (let i = 0; ; i++) {
      const app = await must('tree application', api.get('/api/v1/applications/ui-bench-tree'));
      const t = app.status.targets[0];
      if (t?.lastSyncRun?.phase === 'Succeeded') break;
      if (t?.lastSyncRun?.phase === 'Failed') throw new Error(`the tree application's sync failed: ${t.lastSyncRun.message}`);
      if (i > 600) throw new Error(`the tree application never synced: ${JSON.stringify(t)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    log(`creating ${DEPLOYMENTS} ReplicaSets and ${DEPLOYMENTS * 2} Pods as the controllers would…`);
    const list = await clusterRequest(cluster, cluster.adminToken, 'GET', `/apis/apps/v1/namespaces/${NS}/deployments`);
    const deployments: any[] = list.body.items;
    for (let i = 0; i < deployments.length; i += 10) {
      await Promise.all(
        deployments.slice(i, i + 10).map(async (d) => {
          const name = d.metadata.name;
          const rs = await clusterRequest(cluster, cluster.adminToken, 'POST', `/apis/apps/v1/namespaces/${NS}/replicasets`, {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            metadata: {
              name: `${name}-7f9c`,
              labels: { app: name },
              ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata.uid, controller: true }],
            },
            spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: d.spec.template },
          });
          if (rs.status !== 201) throw new Error(`ReplicaSet of ${name}: ${rs.status} ${JSON.stringify(rs.body).slice(0, 300)}`);
          for (const suffix of ['a', 'b']) {
            const pod = await clusterRequest(cluster, cluster.adminToken, 'POST', `/api/v1/namespaces/${NS}/pods`, {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: {
                name: `${name}-7f9c-${suffix}`,
                labels: { app: name },
                ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-7f9c`, uid: rs.body.metadata.uid, controller: true }],
              },
              spec: d.spec.template.spec,
            });
            if (pod.status !== 201) throw new Error(`Pod of ${name}: ${pod.status} ${JSON.stringify(pod.body).slice(0, 300)}`);
          }
        }),
      );
    }

    // the fleet: every application fanned out to every cluster (nobody can reach them). The
    // applications first, while no cluster matches (cheap), then each cluster registered adds its
    // targets to all of them. Calls are retried when the connection drops (a kept-alive socket
    // the busy service closed as it was reused); a retry that finds the object made is fine.
    log(`registering ${APPLICATIONS} applications and ${CLUSTERS} clusters (${APPLICATIONS * CLUSTERS} targets)…`);
    const seedStart = Date.now();
    const create = async (what: string, path: string, body: Record<string, unknown>) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await api.post(path, body);
          if (res.status === 201 || (res.status === 409 && attempt > 1)) return;
          throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
        } catch (e) {
          if (attempt >= 5 || !(e instanceof TypeError)) throw e;
        }
      }
    };
    for (let i = 0; i < APPLICATIONS; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, APPLICATIONS - i) }, (_, j) =>
          create('fleet application', '/api/v1/applications', {
            name: `svc-${String(i + j).padStart(4, '0')}`,
            repository: 'ui-bench',
            path: 'fleet',
            labels: { team: `t${(i + j) % 7}` },
            destinations: [{ clusterSelector: { matchLabels: { fleet: 'bench' } }, namespace: 'svc' }],
            syncPolicy: { automated: false, intervalSeconds: 3600 },
          }),
        ),
      );
    }
    log(`  ${APPLICATIONS} applications (${((Date.now() - seedStart) / 1000).toFixed(0)} s)`);
    for (let c = 0; c < CLUSTERS; c++) {
      await create('fleet cluster', '/api/v1/clusters', {
        name: `fleet-${String(c).padStart(3, '0')}`,
        server: `https://127.0.0.1:${9 + c}`,
        labels: { fleet: 'bench', region: c % 2 ? 'eu' : 'us' },
        tls: { caData: cluster.caData },
        auth: { type: 'bearerToken', token: 'unused-token' },
      });
      if ((c + 1) % 20 === 0) log(`  ${c + 1} clusters (${((Date.now() - seedStart) / 1000).toFixed(0)} s)`);
    }
    await running.close();
    running = undefined;

    // synthetic status, written while the service is down; nothing is due for a day
    const db = new Database(join(dataDir, 'flotilla.sqlite'));
    const rows = db.prepare("SELECT id FROM targets WHERE cluster LIKE 'fleet-%'").all() as { id: number }[];
    const update = db.prepare('UPDATE targets SET sync = ?, health = ?, message = ?, dueAt = ?, owner = NULL, leaseExpiresAt = NULL WHERE id = ?');
    const dueAt = Date.now() + 86_400_000;
    db.transaction(() => {
      for (const { id } of rows) {
        const sync = SYNC[(id * 7) % SYNC.length];
        const health = HEALTH[(id * 13) % HEALTH.length];
        update.run(sync, health, sync === 'Synced' && health === 'Healthy' ? null : `synthetic: ${sync}, ${health}`, dueAt, id);
      }
    })();
    db.close();
    log(`wrote synthetic status into ${rows.length} targets`);
    running = await startApp(env, { dataDir });

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${running.baseUrl}/`);
    await page.getByLabel('API token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();

    const fleetUrl = `${running.baseUrl}/?selector=${encodeURIComponent('fleet=bench')}`;
    const render: number[] = [];
    const commit: number[] = [];
    const total: number[] = [];
    const fetchMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS + 1; i++) {
      await page.goto(fleetUrl);
      const m = await measure(page, 'fleet:render');
      const t = await apiTiming(page, '/api/v1/fleet', true);
      const cells = await page.locator('[data-app] a[data-cell]').count();
      const rowsShown = await page.locator('[data-app]').count();
      if (i === 0) {
        log(`fleet: ${rowsShown} rows and ${cells} cell links in the DOM (rows and columns virtualised); the first page of /api/v1/fleet ${(t.bytes / 1e6).toFixed(2)} MB`);
        continue; // the first load warms the caches of the browser and of the service
      }
      render.push(m.render);
      commit.push(m.commit);
      total.push(m.at);
      fetchMs.push(t.ms);
      bytes = t.bytes;
    }
    if (process.env.BENCH_UI_PROFILE) {
      // one more load under the DevTools profiler, written as a .cpuprofile (open in DevTools)
      const cdp = await context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
      await page.goto(fleetUrl);
      await measure(page, 'fleet:render');
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(process.env.BENCH_UI_PROFILE, JSON.stringify(profile));
      log(`  profile of one load written to ${process.env.BENCH_UI_PROFILE}`);
    }
    const summary = await page.getByTestId('fleet-summary').textContent();
    log(`fleet matrix, ${APPLICATIONS} applications × ${CLUSTERS} clusters: ${summary}`);
    log(`  first page in → matrix painted (first paint): ${stats(render)}`);
    log(`  first page in → React's commit of it (before layout and paint): ${stats(commit)}`);
    log(`  GET /api/v1/fleet, first page of 50 rows (${(bytes / 1e6).toFixed(2)} MB of JSON): ${stats(fetchMs)}`);
    log(`  navigation start → matrix painted: ${stats(total)}`);

    // scrolling through every row as a fast mouse wheel would, three rows a frame, pages loading
    // as they come into view: the time between frames (16.7 ms is 60 frames a second; this
    // headless chromium paints in software, without a GPU)
    const frames = await page.evaluate<number[]>(`(async () => {
      const box = document.querySelector('[data-testid=matrix]');
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));
      const out = [];
      await frame();
      let t0 = performance.now();
      while (box.scrollTop + box.clientHeight < box.scrollHeight - 1) {
        box.scrollTop += ${3 * 34};
        await frame();
        const t = performance.now();
        out.push(t - t0);
        t0 = t;
      }
      return out;
    })()`);
    const slow = frames.filter((f) => f > 50).length;
    log(`  scrolling all ${APPLICATIONS} rows, 3 rows a frame: ${frames.length} frames, time between frames ${stats(frames)}; ${slow} frames over 50 ms`);
    const lastApp = `svc-${String(APPLICATIONS - 1).padStart(4, '0')}`;
    await page.locator(`[data-app="${lastApp}"]`).waitFor();
    const jumpStart = Date.now();
    await page.goto(fleetUrl);
    await measure(page, 'fleet:render');
    await page.evaluate("document.querySelector('[data-testid=matrix]').scrollTop = 1e9");
    await page.locator(`[data-app="${lastApp}"]`).waitFor();
    log(`  fresh load, then a jump to the last row until it shows (its pages loaded on the way): ${Date.now() - jumpStart} ms`);

    // the route itself at this size, from here (no browser): the first page, a page deep in, each filter
    const fleetApi = apiClient(running.baseUrl, ADMIN);
    const route = async (what: string, query: string) => {
      const times: number[] = [];
      let body: any;
      for (let i = 0; i < RUNS + 1; i++) {
        const t0 = performance.now();
        body = await must(what, fleetApi.get(`/api/v1/fleet?${query}`));
        if (i > 0) times.push(performance.now() - t0);
      }
      log(`  GET /api/v1/fleet?${query} (${body.items.length} rows of ${body.total}): ${stats(times)}`);
    };
    log('the fleet route at this size:');
    await route('first page', 'limit=100');
    await route('a page deep in', `limit=100&cursor=svc-${String(Math.floor(APPLICATIONS * 0.8)).padStart(4, '0')}`);
    await route('the largest page', 'limit=500');
    await route('by name', 'name=svc-0*7');
    await route('by labels', `selector=${encodeURIComponent('team in (t1,t3)')}&limit=100`);
    await route('by cluster selector', `clusterSelector=${encodeURIComponent('region=eu')}&limit=100`);

    const treeRender: number[] = [];
    const treeFetch: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      await page.goto(`${running.baseUrl}/applications/ui-bench-tree/targets/ui-bench/${NS}`);
      const m = await measure(page, 'tree:render');
      const t = await apiTiming(page, `/api/v1/applications/ui-bench-tree/targets/ui-bench/${NS}/tree`);
      if (i === 0) {
        const objects = await page.evaluate<string>("document.querySelector('.toolbar .muted')?.textContent ?? ''");
        log(`tree: ${objects}; ${await page.locator('[role="treeitem"]').count()} rows in the DOM (virtualised); the tree answer ${(t.bytes / 1e3).toFixed(0)} kB`);
        continue;
      }
      treeRender.push(m.render);
      treeFetch.push(t.ms);
    }
    log(`resource tree of one target (${DEPLOYMENTS} Deployments → ${DEPLOYMENTS} ReplicaSets → ${DEPLOYMENTS * 2} Pods):`);
    log(`  data in → first render painted: ${stats(treeRender)}`);
    log(`  GET …/tree (read from the cluster, cached briefly): ${stats(treeFetch)}`);
    await benchGraph(page, `${running.baseUrl}/applications/ui-bench-tree/targets/ui-bench/${NS}`);
    await context.close();
  } finally {
    await browser.close().catch(() => undefined);
    await running?.close().catch(() => undefined);
    await git?.stop().catch(() => undefined);
    await bed.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench:ui: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
