// The web UI in a real browser (Debian's chromium through playwright-core) against the real
// service, two test-bed clusters and a git server: sign-in, the fleet matrix after a fan-out sync,
// a target's resource tree, Preview → Sync with the matrix following live, rollback from History,
// what a viewer sees, every screen under the Content Security Policy, and a rollout's waves with
// the buttons an operator gets. Screenshots of each screen go to test-results/ui/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { GitHttpServer } from '../support/git-server';
import type { TestRepository } from '../support/git-server';
import { WebhookReceiver } from '../support/webhook-receiver';
import { clusterBody, configMapYaml, createReplicaSetAndPods, deploymentYaml, getObject, markDeploymentReady, SYNC_ENV, waitForTargets } from '../support/workloads';
import { launchBrowser, screenshot, signIn, watchedPage, type WatchedPage } from './browser';
import { ensureUiBuilt } from './build';

const [east, west] = inject('clusters');
const ADMIN = 'ui-test-admin-token-0123456789abcdef';
const APP = 'ui-app';
const TARGETS = ['ui-east/ui-web', 'ui-east/ui-canary', 'ui-west/ui-web'];
const AUTHOR = { name: 'Ada Lovelace', email: 'ada@example.com' };

describe('the web UI', () => {
  let server: GitHttpServer;
  let repo: TestRepository;
  let running: RunningApp;
  let admin: ApiClient;
  let browser: Browser;
  let context: BrowserContext;
  let operator: string;
  let viewer: string;
  let first: string;
  let fleet: WatchedPage;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    await ensureUiBuilt();
    server = await GitHttpServer.start();
    repo = await server.createRepository('ui-deploy');
    first = await repo.commit(
      { 'app/deploy.yaml': deploymentYaml('ui-web'), 'app/settings.yaml': configMapYaml('ui-settings', { greeting: 'hello' }) },
      { message: 'First version of the web app', author: AUTHOR },
    );
    receiver = await WebhookReceiver.start();
    running = await startApp({
      FLOTILLA_ADMIN_TOKEN: ADMIN,
      ...SYNC_ENV,
      // the channel test's receiver is on loopback; deliveries fail for good after two tries
      FLOTILLA_HOOKS__ALLOW_PRIVATE_NETWORKS: 'true',
      FLOTILLA_HOOKS__MAX_ATTEMPTS: '2',
      FLOTILLA_HOOKS__BACKOFF_BASE_SECONDS: '1',
      FLOTILLA_HOOKS__BACKOFF_MAX_SECONDS: '2',
    });
    admin = apiClient(running.baseUrl, ADMIN);
    for (const [name, cluster] of [
      ['ui-east', east],
      ['ui-west', west],
    ] as const) {
      const res = await admin.post('/api/v1/clusters', clusterBody(name, cluster, { env: 'ui' }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    expect(
      (await admin.post('/api/v1/repositories', { name: 'ui-deploy', url: server.url('ui-deploy'), pollIntervalSeconds: 3600, webhookSecret: 'ui-webhook-secret-0123456789' }))
        .status,
    ).toBe(201);
    operator = (await admin.post('/api/v1/tokens', { name: 'ui-operator', role: 'operator' })).body.token;
    viewer = (await admin.post('/api/v1/tokens', { name: 'ui-viewer', role: 'viewer' })).body.token;
    // manual sync: what the UI's Sync does is what happens
    const created = await admin.post('/api/v1/applications', {
      name: APP,
      labels: { team: 'web' },
      repository: 'ui-deploy',
      path: 'app',
      destinations: [
        { clusterSelector: { matchLabels: { env: 'ui' } }, namespace: 'ui-web' },
        { cluster: 'ui-east', namespace: 'ui-canary' },
      ],
      syncPolicy: { automated: false, prune: true, selfHeal: false, intervalSeconds: 2 },
      ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const other = await admin.post('/api/v1/applications', {
      name: 'ui-other',
      repository: 'ui-deploy',
      path: 'app',
      destinations: [{ cluster: 'ui-west', namespace: 'ui-other' }],
      syncPolicy: { automated: false },
    });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await server?.stop();
    await receiver?.close();
  });

  // a cell is an application's targets on one cluster, counted: ui-east's holds two, and its sync
  // and health are those of the worst of them
  const cell = (page: Page, app: string, target: string) => page.locator(`[data-app="${app}"] a[data-cell="${target.split('/')[0]}"]`);
  const waitForCell = (page: Page, app: string, target: string, sync: string, health: string) =>
    page.locator(`[data-app="${app}"] a[data-cell="${target.split('/')[0]}"][data-sync="${sync}"][data-health="${health}"]`).waitFor({ timeout: 45_000 });

  it('signs in with a token and shows the fleet; a fan-out sync turns every cell Synced and Healthy', async () => {
    fleet = await watchedPage(context);
    const page = fleet.page;
    await page.goto(`${running.baseUrl}/`);
    await page.getByLabel('API token').fill('not-a-real-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('does not accept this token').waitFor();
    await screenshot(page, 'sign-in');
    await signIn(page, running.baseUrl, operator, 'ui-operator');
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('operator');

    // three targets: ui-east's cell counts two (two namespaces), ui-west's is one target; ui-other has no target on ui-east
    const row = page.locator(`[data-app="${APP}"]`);
    await row.waitFor();
    await expect.poll(() => row.locator('a[data-cell]').count()).toBe(2);
    expect(await row.locator('a[data-cell="ui-east"]').getAttribute('data-targets')).toBe('2');
    expect(await row.locator('a[data-cell="ui-east"]').getAttribute('title')).toContain('namespaces: ui-canary, ui-web');
    expect(await row.locator('a[data-cell="ui-west"]').getAttribute('data-target')).toBe('ui-west/ui-web');
    expect(await page.locator('[data-app="ui-other"] [aria-label="ui-other on ui-east: no target"]').count()).toBe(1);
    // automated sync is off: checked, not applied
    for (const t of TARGETS) expect(await cell(page, APP, t).getAttribute('data-sync')).not.toBe('Synced');
    await screenshot(page, 'fleet-before-sync');

    // the fan-out sync, from a second tab, while this one stays on the matrix
    const appTab = await watchedPage(context);
    await signIn(appTab.page, running.baseUrl, operator, 'ui-operator');
    await appTab.page.goto(`${running.baseUrl}/applications/${APP}`);
    await appTab.page.getByRole('button', { name: 'Sync', exact: true }).click();
    await appTab.page.getByText('Sync queued for 3 targets').waitFor();
    await appTab.page.close();
    for (const t of TARGETS) {
      const [cluster, ns] = t.split('/');
      await markDeploymentReady(cluster === 'ui-east' ? east : west, ns, 'ui-web');
    }
    for (const t of TARGETS) await waitForCell(page, APP, t, 'Synced', 'Healthy');
    await expect.poll(() => page.getByTestId('fleet-summary').textContent()).toMatch(/3 synced .* 3 healthy/s);
    await screenshot(page, 'fleet');

    // filters: by name, and by cluster selector (server-side; a bad one says why)
    await page.getByLabel('filter applications by name').fill('other');
    await expect.poll(() => page.locator('[data-app]').count()).toBe(1);
    await page.getByLabel('filter applications by name').fill('');
    await page.getByLabel('cluster label selector').fill('env in (nowhere)');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No cluster matches this selector').waitFor();
    await page.getByLabel('cluster label selector').fill('env=ui');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('.mhead .mcol').count()).toBe(2);

    // keyboard: arrows move between cells
    await page.locator(`[data-app="${APP}"] a[data-c="-1"]`).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate('document.activeElement && document.activeElement.getAttribute("data-cell")')).toBe('ui-east');
    expect(await fleet.problems()).toEqual([]);
  }, 180_000);

  it("opens a target from its cell: the tree shows the Deployment, its ReplicaSet and Pods, and an object's live manifest and diff", async () => {
    // what the deployment and replicaset controllers would create
    await createReplicaSetAndPods(east, 'ui-web', 'ui-web', 'ui-web-5d9c7', ['ui-web-5d9c7-a1', 'ui-web-5d9c7-b2']);

    const page = fleet.page;
    // ui-east's cell holds two targets: it opens the application, which lists them
    await cell(page, APP, 'ui-east/ui-web').click();
    await page.waitForURL(`${running.baseUrl}/applications/${APP}`);
    await page.getByTestId('targets').locator('[data-target="ui-east/ui-web"] a').first().click();
    await page.waitForURL(`${running.baseUrl}/applications/${APP}/targets/ui-east/ui-web`);
    const tree = page.getByTestId('tree');
    const node = (kind: string, name: string) => tree.locator(`[data-kind="${kind}"][data-name="${name}"]`);
    await node('Deployment', 'ui-web').waitFor();
    expect(await node('Deployment', 'ui-web').getAttribute('aria-level')).toBe('1');
    expect(await node('ReplicaSet', 'ui-web-5d9c7').getAttribute('aria-level')).toBe('2');
    for (const pod of ['ui-web-5d9c7-a1', 'ui-web-5d9c7-b2']) expect(await node('Pod', pod).getAttribute('aria-level')).toBe('3');
    expect(await node('ConfigMap', 'ui-settings').getAttribute('aria-level')).toBe('1');
    // in order: the Deployment's children right under it
    const order = await tree.locator('[role="treeitem"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}/${e.getAttribute('data-name')}`));
    const d = order.indexOf('Deployment/ui-web');
    expect(order.slice(d, d + 4)).toEqual(['Deployment/ui-web', 'ReplicaSet/ui-web-5d9c7', 'Pod/ui-web-5d9c7-a1', 'Pod/ui-web-5d9c7-b2']);

    await node('Deployment', 'ui-web').getByRole('button', { name: 'Deployment ui-web', exact: true }).click();
    const detail = page.getByTestId('object-detail');
    await detail.getByTestId('manifest').waitFor();
    const manifest = await detail.getByTestId('manifest').textContent();
    expect(manifest).toContain('kind: Deployment');
    expect(manifest).toContain('flotilla.io/application: ui-app');
    expect(manifest).not.toContain('managedFields');
    await detail.getByTestId('object-diff').getByText('the live object matches git').waitFor();
    await screenshot(page, 'target-tree');

    await node('Pod', 'ui-web-5d9c7-a1').getByRole('button', { name: 'Pod ui-web-5d9c7-a1', exact: true }).click();
    await detail.getByText('not applied by Flotilla').waitFor();
    await expect.poll(() => detail.getByTestId('manifest').textContent()).toContain('name: ui-web-5d9c7-a1');
    expect(await fleet.problems()).toEqual([]);
  }, 120_000);

  it('previews the change a new commit makes on each target, and Sync applies it while the matrix follows live', async () => {
    const second = await repo.commit(
      {
        'app/settings.yaml': configMapYaml('ui-settings', { greeting: 'hello again' }),
        'app/extra.yaml': configMapYaml('ui-extra', { added: 'yes' }),
        'app/deploy.yaml': deploymentYaml('ui-web', 3),
      },
      { message: 'Greet again and add an extra map', author: AUTHOR },
    );
    // this tab stays on the matrix from now on: it must never reload
    const page = fleet.page;
    await page.getByRole('link', { name: 'Fleet' }).first().click();
    await page.locator(`[data-app="${APP}"]`).waitFor();
    await page.evaluate('window.__sameDocument = true');

    const app = await watchedPage(context);
    await signIn(app.page, running.baseUrl, operator, 'ui-operator');
    await app.page.goto(`${running.baseUrl}/applications/${APP}`);
    await app.page.getByTestId('commit').getByText('First version of the web app').waitFor();
    await app.page.getByRole('button', { name: 'Refresh' }).click();
    await app.page.getByText(`Fetched ui-deploy: ${second.slice(0, 8)} (a new commit`).waitFor();
    // manual sync: the new commit shows as drift, live, on the matrix
    for (const t of TARGETS) await waitForCell(page, APP, t, 'OutOfSync', 'Healthy');

    await app.page.getByRole('button', { name: 'Preview' }).click();
    const plan = app.page.getByTestId('plan');
    await plan.waitFor();
    for (const t of TARGETS) {
      const target = plan.locator(`[data-target="${t}"]`);
      await target.waitFor();
      expect(await target.locator('h3').textContent()).toContain(second.slice(0, 8));
      const configured = target.locator('li[data-action="configured"]');
      expect(await configured.textContent()).toContain('ConfigMap/');
      expect(await configured.locator('table.fields').textContent()).toMatch(/data\.greeting.*hello.*hello again/s);
      expect(await target.locator('li[data-action="created"]').textContent()).toContain('ui-extra');
      // replicas are left to others (ignoreDifferences): shown greyed as ignored, on an unchanged object
      const ignored = target.locator('li[data-action="unchanged"] tr[data-ignored="true"]');
      expect(await ignored.textContent()).toMatch(/spec\.replicas.*ignored.*1.*3/s);
      expect(await ignored.getAttribute('title')).toContain('drift rule');
    }
    // the preview changed nothing
    expect((await getObject(east, 'ConfigMap', 'ui-web', 'ui-settings')).data.greeting).toBe('hello');
    expect(await getObject(east, 'ConfigMap', 'ui-web', 'ui-extra')).toBeNull();
    await screenshot(app.page, 'preview');

    await app.page.getByRole('button', { name: 'Sync', exact: true }).click();
    await app.page.getByText('Sync queued for 3 targets').waitFor();
    for (const t of TARGETS) await waitForCell(page, APP, t, 'Synced', 'Healthy');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect((await getObject(east, 'ConfigMap', 'ui-web', 'ui-settings')).data.greeting).toBe('hello again');
    expect((await getObject(west, 'ConfigMap', 'ui-web', 'ui-extra')).data.added).toBe('yes');
    expect((await getObject(east, 'Deployment', 'ui-web', 'ui-web')).spec.replicas, 'the ignored field was not applied').toBe(1);
    await app.page.getByTestId('commit').getByText('Greet again and add an extra map').waitFor();
    await screenshot(app.page, 'application');
    expect([...(await fleet.problems()), ...(await app.problems())]).toEqual([]);
    await app.page.close();
  }, 180_000);

  it('rolls back from History to the earlier revision, and the application shows it pinned', async () => {
    const w = await watchedPage(context);
    const page = w.page;
    await signIn(page, running.baseUrl, operator, 'ui-operator');
    await page.goto(`${running.baseUrl}/applications/${APP}/history`);
    const history = page.getByTestId('history');
    const firstRun = history.locator(`tr[data-revision="${first}"]`).first();
    await firstRun.waitFor();
    await screenshot(page, 'history');
    await firstRun.getByRole('button', { name: /Rollback to run/ }).click();
    await firstRun.getByRole('button', { name: 'Confirm rollback' }).click();
    await page.getByText(`Rolling back to ${first.slice(0, 8)}: 3 targets queued`).waitFor();
    await waitForTargets(admin, APP, TARGETS, (t) => t.revision?.sha === first && t.sync === 'Synced', 'rolled back');
    expect((await getObject(east, 'ConfigMap', 'ui-canary', 'ui-settings')).data.greeting).toBe('hello');
    // prune is on: what the later commit added is gone again
    await eventually(
      'ui-extra pruned',
      () => getObject(west, 'ConfigMap', 'ui-web', 'ui-extra'),
      (o) => o === null,
    );
    // the history gained the rollback runs, live
    await expect.poll(() => history.locator('tr', { hasText: 'rollback' }).count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('pinned').getByText(first.slice(0, 8)).waitFor();
    await page.getByTestId('commit').getByText('First version of the web app').waitFor();
    expect(await w.problems()).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows a viewer no Sync, Refresh or Rollback, only what it may read', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const w = await watchedPage(ctx);
      const page = w.page;
      await signIn(page, running.baseUrl, viewer, 'ui-viewer');
      await expect.poll(() => page.getByTestId('who').textContent()).toContain('viewer');
      await page.goto(`${running.baseUrl}/applications/${APP}`);
      await page.getByTestId('targets').waitFor();
      expect(await page.getByRole('button', { name: 'Sync' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Refresh' }).count()).toBe(0);
      // Preview reads GET /diff, which a viewer may
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByTestId('plan').locator('[data-target="ui-west/ui-web"]').waitFor();
      await page.getByRole('link', { name: 'History' }).click();
      await page.getByTestId('history').waitFor();
      expect(await page.getByRole('button', { name: /roll back|rollback/i }).count()).toBe(0);
      await page.getByRole('link', { name: 'Clusters' }).click();
      await page.getByTestId('clusters').waitFor();
      expect(await page.getByRole('button', { name: /check/i }).count()).toBe(0);
      await screenshot(page, 'viewer-application');
      expect(await w.problems()).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it("shows a channel's deliveries as they fail, and an admin redelivers one", async () => {
    receiver.always({ status: 503, body: 'receiver down for maintenance' });
    expect((await admin.post('/api/v1/channels', { name: 'ui-hook', type: 'webhook', webhook: { url: receiver.url } })).status).toBe(201);
    expect((await admin.patch(`/api/v1/applications/${APP}`, { hooks: [{ on: ['PostSync'], channel: 'ui-hook' }] })).status).toBe(200);
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const w = await watchedPage(ctx);
      const page = w.page;
      await signIn(page, running.baseUrl, ADMIN, 'bootstrap');
      await page.getByRole('link', { name: 'Channels' }).click();
      await page.getByRole('heading', { name: 'Deliveries of ui-hook' }).waitFor();
      await page.getByText('Nothing delivered through this channel yet.').waitFor();
      // a sync of every target: one PostSync each, which the receiver refuses twice
      expect((await admin.post(`/api/v1/applications/${APP}/sync`, {})).status).toBe(202);
      const rows = page.getByTestId('deliveries').locator('tbody tr');
      await expect.poll(async () => (await rows.allTextContents()).filter((t) => t.includes('failed')).length, { timeout: 60_000 }).toBe(3);
      expect(await rows.first().textContent()).toContain('503');
      await screenshot(page, 'channels');
      receiver.always({ status: 200, body: 'ok' });
      const first = rows.first();
      const id = await first.getAttribute('data-delivery');
      await first.getByRole('button', { name: /redeliver/ }).click();
      await page.locator(`tr[data-delivery="${id}"]`).getByText('delivered', { exact: true }).waitFor({ timeout: 30_000 });
      expect(receiver.requests.filter((r) => r.status === 200)).toHaveLength(1);
      expect(await w.problems()).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);

  it('renders every screen under the Content Security Policy with no violation, light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 800 }, colorScheme: scheme });
      try {
        const w = await watchedPage(ctx);
        const page = w.page;
        const doc = await page.goto(`${running.baseUrl}/`);
        // the policy this test holds the UI to is really in force
        expect(doc!.headers()['content-security-policy']).toMatch(/default-src 'self'.*script-src 'self'.*style-src 'self'/);
        await page.getByLabel('API token').fill(ADMIN);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.locator(`[data-app="${APP}"]`).waitFor();
        await screenshot(page, `${scheme}-fleet`);
        const screens: Array<[string, string, () => Promise<unknown>]> = [
          ['application', `/applications/${APP}`, () => page.getByTestId('targets').waitFor()],
          ['history', `/applications/${APP}/history`, () => page.getByTestId('history').waitFor()],
          ['target', `/applications/${APP}/targets/ui-west/ui-web`, () => page.getByTestId('tree').waitFor()],
          ['clusters', '/clusters', () => page.locator('[data-cluster="ui-east"]').getByText('Connected', { exact: true }).waitFor()],
          ['repositories', '/repositories', () => page.locator('[data-repository="ui-deploy"]').waitFor()],
          ['channels', '/channels', () => page.getByTestId('deliveries').waitFor()],
          ['audit', '/audit', () => page.getByTestId('audit').waitFor()],
        ];
        for (const [name, path, ready] of screens) {
          await page.goto(`${running.baseUrl}${path}`);
          await ready();
          await screenshot(page, `${scheme}-${name}`);
        }
        expect(await w.cspViolations()).toEqual([]);
        expect(await w.problems()).toEqual([]);

        if (scheme === 'light') {
          // the webhook URL to copy, and the audit's filters and verification
          await page.goto(`${running.baseUrl}/repositories`);
          expect(await page.getByTestId('webhook-url').inputValue()).toBe(`${running.baseUrl}/api/v1/webhooks/git`);
          await page.goto(`${running.baseUrl}/audit`);
          await page.getByLabel('Action').fill('syncrun.finished');
          await page.getByRole('button', { name: 'Filter' }).click();
          await expect.poll(async () => (await page.getByTestId('audit').locator('tbody tr').allTextContents()).every((r) => r.includes('syncrun.finished'))).toBe(true);
          expect(await page.getByTestId('audit').locator('tbody tr').count()).toBeGreaterThanOrEqual(6);
          await page.getByRole('button', { name: 'Verify' }).click();
          await page
            .getByTestId('verify-result')
            .getByText(/The chain verifies: \d+ entries/)
            .waitFor();
          // and the watch would see a violation: an inline style the policy blocks
          await page.evaluate("document.head.appendChild(Object.assign(document.createElement('style'), { textContent: 'body { color: red }' }))");
          // (both witnesses: the page's securitypolicyviolation event and the console's report)
          await expect
            .poll(() => w.cspViolations())
            .toEqual([expect.stringMatching(/^style-src-elem blocked inline/), expect.stringMatching(/^console: .*Content Security Policy/)]);
        }
      } finally {
        await ctx.close();
      }
    }
  }, 180_000);

  it('shows a rollout as a row of stages: a viewer sees them, an admin approves the waiting wave and promotes its soak, the matrix marks targets waiting for their wave', async () => {
    await repo.commit({ 'rollout/settings.yaml': configMapYaml('ui-rollout', { version: 'v1' }) }, { message: 'A map to roll out', author: AUTHOR });
    expect((await admin.post('/api/v1/repositories/ui-deploy/refresh', {})).status).toBe(200);
    // one wave on ui-east that waits for approval and soaks a minute; ui-west is in the last wave, "rest"
    const created = await admin.post('/api/v1/applications', {
      name: 'ui-rolled',
      repository: 'ui-deploy',
      path: 'rollout',
      destinations: [
        { cluster: 'ui-east', namespace: 'ui-rolled' },
        { cluster: 'ui-west', namespace: 'ui-rolled' },
      ],
      syncPolicy: { intervalSeconds: 2 },
      rollout: { waves: [{ name: 'canary', clusters: ['ui-east'], approval: true, soakSeconds: 600 }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await eventually(
      'the rollout awaits approval',
      async () => (await admin.get('/api/v1/applications/ui-rolled/rollout')).body,
      (r) => r?.state === 'AwaitingApproval',
    );

    const stage = (page: Page, wave: string) => page.getByTestId('rollout-stage').and(page.locator(`[data-wave="${wave}"]`));
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      // a viewer: the stages, no actions
      const v = await watchedPage(ctx);
      await signIn(v.page, running.baseUrl, viewer, 'ui-viewer');
      await v.page.goto(`${running.baseUrl}/applications/ui-rolled`);
      await v.page.getByTestId('rollout-stages').waitFor();
      expect(await v.page.getByTestId('rollout-stage').count()).toBe(2);
      expect(await v.page.getByTestId('rollout-actions').count()).toBe(0);
      expect(await v.page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await v.problems()).toEqual([]);
      await v.page.close();
    } finally {
      await ctx.close();
    }

    const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const m = await watchedPage(adminCtx);
      await signIn(m.page, running.baseUrl, ADMIN, 'bootstrap');
      const waiting = (target: string) => m.page.locator(`[data-app="ui-rolled"] a[data-target="${target}"]`);
      await waiting('ui-east/ui-rolled').waitFor();
      expect(await waiting('ui-east/ui-rolled').getAttribute('data-waiting-wave')).toBe('canary');
      expect(await waiting('ui-west/ui-rolled').getAttribute('data-waiting-wave')).toBe('rest');
      expect(await waiting('ui-west/ui-rolled').getAttribute('title')).toContain('waiting for wave rest');
      expect(await waiting('ui-west/ui-rolled').getByTestId('waiting-wave').count()).toBe(1);

      const w = await watchedPage(adminCtx);
      const page = w.page;
      await signIn(page, running.baseUrl, ADMIN, 'bootstrap');
      await page.goto(`${running.baseUrl}/applications/ui-rolled`);
      await expect.poll(() => page.getByTestId('rollout-state').textContent(), { timeout: 30_000 }).toBe('AwaitingApproval');
      expect(await page.getByTestId('sync-window').textContent()).toContain('Sync allowed');
      expect(await page.getByTestId('rollout-message').textContent()).toMatch(/canary/);
      expect(await stage(page, 'canary').getAttribute('data-state')).toBe('AwaitingApproval');
      expect(await stage(page, 'canary').getAttribute('aria-current')).toBe('step');
      expect(await stage(page, 'canary').getByTestId('approval').textContent()).toBe('awaiting approval');
      expect(await stage(page, 'canary').getByTestId('wave-progress').textContent()).toBe('0/1 healthy');
      expect(await stage(page, 'canary').locator('[data-target="ui-east/ui-rolled"]').getAttribute('data-state')).toBe('Waiting');
      expect(await stage(page, 'rest').getAttribute('data-state')).toBe('Pending');
      expect(await stage(page, 'rest').locator('[data-target="ui-west/ui-rolled"]').getAttribute('data-state')).toBe('Waiting');
      expect(await page.getByTestId('targets').locator('[data-target="ui-west/ui-rolled"]').getByTestId('waiting-wave').textContent()).toContain('waiting for wave rest');
      // the buttons the state allows
      const button = (name: string) => page.getByTestId('rollout-actions').getByRole('button', { name, exact: true });
      for (const [name, enabled] of [
        ['Pause', true],
        ['Resume', false],
        ['Approve', true],
        ['Promote', false],
        ['Abort', true],
      ] as const) {
        expect(await button(name).isEnabled(), name).toBe(enabled);
      }
      await screenshot(page, 'rollout-awaiting-approval');

      await button('Approve').click();
      await page.getByText(/Approve: rollout #\d+ is/).waitFor();
      // ui-east syncs and soaks; the countdown runs on the page
      await stage(page, 'canary').and(page.locator('[data-state="Soaking"]')).waitFor({ timeout: 45_000 });
      const timer = stage(page, 'canary').getByTestId('soak-timer');
      const before = await timer.textContent();
      expect(before).toMatch(/^soak (9m \d+s|10m) left$/);
      await expect.poll(() => timer.textContent(), { timeout: 5_000 }).not.toBe(before);
      expect(await stage(page, 'canary').getByTestId('approval').textContent()).toBe('✓ approved by bootstrap-admin');
      expect(await stage(page, 'canary').getByTestId('wave-progress').textContent()).toBe('1/1 healthy');
      expect(await button('Promote').isEnabled()).toBe(true);
      expect(await button('Approve').isEnabled()).toBe(false);
      // live on the matrix: ui-east is no longer waiting, ui-west still is
      await expect.poll(() => waiting('ui-east/ui-rolled').getAttribute('data-waiting-wave'), { timeout: 15_000 }).toBeNull();
      expect(await waiting('ui-west/ui-rolled').getAttribute('data-waiting-wave')).toBe('rest');
      await screenshot(page, 'rollout-soaking');

      await button('Promote').click();
      await expect.poll(() => page.getByTestId('rollout-state').textContent(), { timeout: 45_000 }).toBe('Completed');
      expect(await stage(page, 'rest').getAttribute('data-state')).toBe('Completed');
      expect(await stage(page, 'rest').locator('[data-target="ui-west/ui-rolled"]').getAttribute('data-state')).toBe('Healthy');
      for (const name of ['Pause', 'Resume', 'Approve', 'Promote', 'Abort']) expect(await button(name).isEnabled(), name).toBe(false);
      expect((await getObject(west, 'ConfigMap', 'ui-rolled', 'ui-rollout')).data.version).toBe('v1');
      await expect.poll(() => waiting('ui-west/ui-rolled').getAttribute('data-waiting-wave'), { timeout: 15_000 }).toBeNull();
      await screenshot(page, 'rollout-completed');
      expect([...(await m.problems()), ...(await w.problems())]).toEqual([]);
    } finally {
      await adminCtx.close();
    }
  }, 180_000);
});
