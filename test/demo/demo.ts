// `npm run demo`: one application fanned out to two clusters, synced, in under a minute, with
// everything a newcomer needs to poke at it afterwards. Starts two test-bed clusters, a git
// server holding a small guestbook app, and the service itself (as `npm start` would run it, but
// from source) serving the web UI — built first when ui/dist is missing or stale — registers
// them, and waits for every target to be Synced and Healthy. It prints a one-click sign-in link
// for the UI and says what to look at first.
// Stays up until Ctrl-C (or SIGTERM, or the shell that started it going away); `--exit` or
// DEMO_EXIT=1 checks that the UI answers and the link's token signs in, and stops.
// FLOTILLA_WEB__UI_DIR: build the UI into (and serve it from) that directory instead of ui/dist.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { apiClient } from '../support/api';
import { GitHttpServer } from '../support/git-server';
import { freePort } from '../support/ports';
import { ServiceProcess } from '../support/service-process';
import { clusterRequest, TestBed, type TestCluster } from '../testbed/cluster';
import { ancestorsToSessionLeader, watchAncestors } from '../testbed/lifeline';
import { ensureUiBuilt, UI_DIST, uiBuildIsStale } from '../ui/build';

const APP = 'guestbook';
const INTERVAL_SECONDS = 15;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const guestbook = (message: string): Record<string, string> => ({
  'apps/guestbook/configmap.yaml': stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'guestbook' }, data: { message, color: 'blue' } }),
  'apps/guestbook/deployment.yaml': stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'guestbook' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'guestbook' } },
      template: {
        metadata: { labels: { app: 'guestbook' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], envFrom: [{ configMapRef: { name: 'guestbook' } }] }] },
      },
    },
  }),
  'apps/guestbook/service.yaml': stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'guestbook' },
    spec: { selector: { app: 'guestbook' }, ports: [{ port: 80, targetPort: 80 }] },
  }),
});

/** 8080 as `npm start` uses (or DEMO_PORT), unless something already listens there. */
async function choosePort(): Promise<number> {
  const wanted = Number(process.env.DEMO_PORT || 8080);
  const free = await new Promise<boolean>((done) => {
    const probe = createServer().once('error', () => done(false));
    probe.listen(wanted, '127.0.0.1', () => probe.close(() => done(true)));
  });
  return free ? wanted : freePort();
}

/**
 * The test bed runs no kube-controller-manager, so no Deployment ever gets a status and every
 * target would stay Progressing. This stands in for the Deployment controller: it writes the
 * status a controller would once all replicas were up. No pod runs.
 */
async function markDeploymentsAvailable(c: TestCluster): Promise<void> {
  const list = await clusterRequest(c, c.adminToken, 'GET', '/apis/apps/v1/deployments?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dflotilla');
  for (const d of list.body?.items ?? []) {
    const replicas = d.spec.replicas ?? 1;
    const s = d.status ?? {};
    if (s.observedGeneration === d.metadata.generation && s.availableReplicas === replicas && s.updatedReplicas === replicas && s.replicas === replicas) continue;
    const now = new Date().toISOString();
    const status = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: now, lastTransitionTime: now },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', lastUpdateTime: now, lastTransitionTime: now },
      ],
    };
    // a 409 means it changed meanwhile: the next round sees the new generation
    await clusterRequest(c, c.adminToken, 'PUT', `/apis/apps/v1/namespaces/${d.metadata.namespace}/deployments/${d.metadata.name}/status`, { ...d, status });
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map(
      (r) =>
        '  ' +
        r
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

/** A shell script that changes the guestbook, pushes, and announces the push as GitHub would. */
function pushScript(vars: Record<'WORK' | 'BARE' | 'CLONE_URL' | 'API' | 'SECRET', string>): string {
  const script = [
    '#!/usr/bin/env bash',
    "# Changes the guestbook's message, commits, pushes, and sends the push webhook GitHub would send:",
    '# the body signed with the repository\'s webhook secret (X-Hub-Signature-256).   bash $0 "new message"',
    'set -euo pipefail',
    'message=$(printf %s "${1:-changed at $(date +%T)}" | tr -cd \'[:alnum:] .,!?:-\')',
    "cd '@WORK@'",
    'sed -i "s|^  message: .*|  message: \'$message\'|" apps/guestbook/configmap.yaml',
    'git add -A',
    'git -c user.name=Demo -c user.email=demo@example.test -c commit.gpgsign=false commit -q -m "guestbook: $message"',
    "git push -q '@BARE@' HEAD:refs/heads/main",
    'sha=$(git rev-parse HEAD)',
    'body=\'{"ref":"refs/heads/main","after":"\'$sha\'","repository":{"clone_url":"@CLONE_URL@"}}\'',
    "signature=$(printf %s \"$body\" | openssl dgst -sha256 -hmac '@SECRET@' | sed 's/^.*= //')",
    'curl -s -o /dev/null -w "pushed ${sha:0:7}, webhook answered %{http_code}\\n" -X POST \'@API@/webhooks/git\' \\',
    "  -H 'content-type: application/json' -H 'x-github-event: push' -H \"x-github-delivery: demo-$sha\" \\",
    '  -H "x-hub-signature-256: sha256=$signature" -d "$body"',
    '',
  ].join('\n');
  return script.replace(/@(\w+)@/g, (_, k: keyof typeof vars) => vars[k]);
}

/**
 * What `--exit` checks before stopping, as a browser following the sign-in link would see it:
 * GET / is the app shell (index.html loading the module script), the script is served, and the
 * link's token signs in. Returns what it checked; throws on the first thing that is wrong.
 */
async function checkUi(base: string, token: string): Promise<string> {
  const page = await fetch(`${base}/`);
  const html = await page.text();
  const script = /<script\b(?=[^>]*\btype="module")[^>]*\bsrc="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  if (page.status !== 200 || !page.headers.get('content-type')?.startsWith('text/html') || !html.includes('id="root"') || !script) {
    throw new Error(`GET ${base}/ is not the web UI's app shell: ${page.status} ${page.headers.get('content-type')}\n${html.slice(0, 500)}`);
  }
  const js = await fetch(`${base}${script}`);
  await js.arrayBuffer();
  if (js.status !== 200 || !js.headers.get('content-type')?.startsWith('text/javascript')) throw new Error(`GET ${base}${script}: ${js.status} ${js.headers.get('content-type')}`);
  const who = await apiClient(base, token).get('/api/v1/whoami');
  if (who.status !== 200) throw new Error(`the sign-in link's token: GET /api/v1/whoami answered ${who.status} ${JSON.stringify(who.body)}`);
  const me = who.body as { name: string; role: string };
  return `checked: GET ${base}/ answers 200 with the app shell (index.html, module script ${script}, served 200), and the sign-in link's token is ${me.name} (${me.role})`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const ancestors = ancestorsToSessionLeader();
  const exitAfterPrinting = process.argv.includes('--exit') || process.env.DEMO_EXIT === '1';
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-demo-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // even after a crash
  const token = `demo-${randomBytes(16).toString('hex')}`;
  const webhookSecret = randomBytes(16).toString('hex');
  const port = await choosePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'flotilla.log');
  const uiDir = process.env.FLOTILLA_WEB__UI_DIR ? resolve(process.env.FLOTILLA_WEB__UI_DIR) : UI_DIST;

  // cleanup registered before anything starts, so a failure or Ctrl-C half-way stops what did;
  // promises, so a stop that comes while they start waits for them and then stops them
  let bed: Promise<TestBed> | undefined, git: Promise<GitHttpServer> | undefined, service: Promise<ServiceProcess> | undefined;
  const abortStart = new AbortController(); // a stop while the service starts need not wait for it
  let stopping: Promise<void> | undefined;
  let standIn = true;
  const stop = (why: string, code = 0) =>
    (stopping ??= (async () => {
      standIn = false;
      console.log(`\n${why}: stopping the service, the clusters and the git server`);
      abortStart.abort();
      await service?.then(
        (s) => s.stop(),
        () => undefined,
      );
      await Promise.allSettled([bed?.then((b) => b.stop()), git?.then((g) => g.stop())]);
      rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    })());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  watchAncestors((pid) => void stop(`process ${pid} it was started under exited`), ancestors);

  try {
    console.log(`starting two test-bed clusters, a git server and Flotilla on ${base} …`);
    // the service reads the UI's files once, at start: it starts once they are built; the
    // clusters start meanwhile
    const building = uiBuildIsStale(uiDir);
    if (building) console.log(`building the web UI into ${uiDir} (missing or older than its sources; a minute or less) …`);
    const uiBuilt = ensureUiBuilt({ outDir: uiDir, signal: abortStart.signal }).then(() => {
      if (building) console.log(`web UI built, ${seconds(started)} after start`);
    });
    // its log goes to a file the newcomer is pointed at, and at info as with `npm start`; if this
    // script dies outright the service is sent SIGTERM and shuts down gracefully
    service = uiBuilt.then(() =>
      ServiceProcess.start({
        dataDir: join(dir, 'data'),
        port,
        logFile,
        parentDeathSignal: 'TERM',
        signal: abortStart.signal,
        startTimeoutMs: 90_000,
        env: {
          FLOTILLA_LOG_LEVEL: 'info',
          FLOTILLA_ADMIN_TOKEN: token,
          FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true',
          FLOTILLA_SYNC__MIN_INTERVAL_SECONDS: '5',
          FLOTILLA_SYNC__HEALTH_RECHECK_SECONDS: '2',
          FLOTILLA_WEB__UI_DIR: uiDir,
        },
      }),
    );
    service.catch(() => undefined); // awaited below; not unhandled while the clusters start
    bed = TestBed.start({ names: ['demo-east', 'demo-west'], dir: join(dir, 'testbed') });
    git = GitHttpServer.start({ root: join(dir, 'git') });
    const [{ clusters }, server] = await Promise.all([bed, git]);
    const repo = await server.createRepository('demo');
    await repo.commit(guestbook('Welcome to the guestbook'), { message: 'guestbook: first version', author: { name: 'Demo', email: 'demo@example.test' } });
    await service;
    void (async () => {
      while (standIn) {
        await Promise.all(clusters.map((c) => markDeploymentsAvailable(c).catch(() => undefined)));
        await sleep(1000);
      }
    })();

    const api = apiClient(base, token);
    const must = async (what: string, res: Promise<{ status: number; body: unknown }>) => {
      const r = await res;
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as any;
    };
    const regions: Record<string, string> = { 'demo-east': 'us-east', 'demo-west': 'eu-west' };
    for (const c of clusters) {
      await must(
        `registering ${c.name}`,
        api.post('/api/v1/clusters', {
          name: c.name,
          server: c.server,
          labels: { env: 'staging', region: regions[c.name] },
          tls: { caData: c.caData },
          auth: { type: 'bearerToken', token: c.adminToken },
        }),
      );
    }
    await must('registering the repository', api.post('/api/v1/repositories', { name: 'demo', url: server.url('demo'), webhookSecret }));
    // the UI's link signs in with a token of its own, not the admin's: an operator sees every
    // screen and can sync and roll back; it lives in the demo's database, which goes at the end
    const uiToken = (await must('creating the web UI token', api.post('/api/v1/tokens', { name: 'demo-ui', role: 'operator' }))).token as string;
    const signInLink = `${base}/#token=${encodeURIComponent(uiToken)}`;
    const registered = Date.now();
    await must(
      'creating the application',
      api.post('/api/v1/applications', {
        name: APP,
        labels: { team: 'demo' },
        repository: 'demo',
        path: 'apps/guestbook',
        destinations: [
          { clusterSelector: { matchLabels: { env: 'staging' } }, namespace: 'guestbook-{{cluster.name}}' },
          { cluster: 'demo-east', namespace: 'guestbook-canary' },
        ],
        syncPolicy: { automated: true, prune: true, selfHeal: true, intervalSeconds: INTERVAL_SECONDS },
      }),
    );
    console.log(`application ${APP} created ${seconds(started)} after start; waiting for its targets …`);

    let view: any;
    let last = '';
    for (const deadline = Date.now() + 120_000; ; await sleep(250)) {
      view = await must('reading the application', api.get(`/api/v1/applications/${APP}`));
      const s = view.status.summary;
      const line = `  ${s.synced}/${s.targets} Synced, ${s.healthy}/${s.targets} Healthy`;
      if (line !== last) console.log((last = line));
      if (s.targets === 3 && s.synced === 3 && s.healthy === 3) break;
      if (Date.now() > deadline) throw new Error(`not all Synced and Healthy after 120 s:\n${JSON.stringify(view.status.targets, null, 2)}`);
    }
    console.log(`\nall ${view.status.targets.length} targets Synced and Healthy: ${seconds(registered)} after the application was created, ${seconds(started)} after start`);
    console.log(
      "(no controller-manager runs in the test bed: this script writes each Deployment's status as its controller would, which is what makes health Healthy; no pod runs)\n",
    );
    console.log(
      table([
        ['CLUSTER', 'NAMESPACE', 'SYNC', 'HEALTH', 'REVISION'],
        ...view.status.targets.map((t: any) => [t.cluster, t.namespace, t.sync, t.health, t.revision?.shortSha ?? '-']),
      ]),
    );

    const script = join(dir, 'push-change.sh');
    writeFileSync(script, pushScript({ WORK: join(server.root, '.work', 'demo'), BARE: repo.dir, CLONE_URL: server.url('demo'), API: `${base}/api/v1`, SECRET: webhookSecret }));
    chmodSync(script, 0o755);
    const kubectl = clusters[0].kubectl;
    const auth = '-H "authorization: Bearer $TOKEN"';
    const canary = `${base}/applications/${APP}/targets/demo-east/guestbook-canary`;
    console.log(`
Web UI          ${base}/
  sign-in link  ${signInLink}
                (one click signs in as demo-ui, an operator token made for this demo — it reads
                everything, syncs and rolls back, and ends with the demo. The token is in the
                fragment after #, which a browser never sends to the server, and the UI removes it
                from the address bar at once. Or sign in with the admin token below.)
What to look at first
  1. Fleet, where the link opens: applications × clusters; ${APP} has a target on demo-west
     and two on demo-east, each cell its sync and health.
  2. ${APP} (click it): its targets and the last sync of each; Preview shows what a sync would do.
  3. A target, e.g. ${canary}:
     the objects it applied with their health and sync; select one for its live manifest and diff.
  4. History (${base}/applications/${APP}/history): every sync run, its revision, Rollback.
  5. Then run push-change.sh or the kubectl scale below and watch the fleet follow live.

Where to look
  API           ${base}/api/v1        OpenAPI UI  ${base}/api/docs
  admin token   ${token}
  service log   ${logFile}
  kubeconfigs   ${clusters.map((c) => `${c.name}: ${c.kubeconfigPath}`).join('\n                ')}
  kubectl       ${kubectl}
  git work tree ${join(server.root, '.work', 'demo')}  (served as ${server.url('demo')})

Paste into a shell (pipe the answers into jq to read them):
  export API=${base}/api/v1 TOKEN=${token}
  # list; one application with every object; one target's sync runs; desired vs live; sync now
  curl -s $API/applications ${auth}
  curl -s $API/applications/${APP} ${auth}
  curl -s "$API/applications/${APP}/history?cluster=demo-east&namespace=guestbook-canary" ${auth}
  curl -s $API/applications/${APP}/diff ${auth}
  curl -s -X POST $API/applications/${APP}/sync ${auth} -H 'content-type: application/json' -d '{}'
  # commit a change to the guestbook, push it, and send the signed GitHub push webhook
  bash ${script} "hello"
  # drift: scale by hand, and selfHeal puts 2 replicas back within ${INTERVAL_SECONDS} s
  ${kubectl} --kubeconfig ${clusters[0].kubeconfigPath} -n guestbook-canary scale deployment guestbook --replicas=5
`);
    if (exitAfterPrinting) {
      console.log(await checkUi(base, uiToken));
      return void (await stop('--exit'));
    }
    console.log('Up until Ctrl-C.');
  } catch (e) {
    if (stopping) return; // stopped half-way: what failed is the stopping
    console.error(e instanceof Error ? e.message : e);
    await stop('failed', 1);
  }
}

void main();
