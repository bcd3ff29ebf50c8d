// The fleet matrix in a real browser (Debian's chromium through playwright-core) against the real
// service: its filters go to the server (GET /api/v1/fleet) and live in the address, its cluster
// headers can be read (the name written upwards, and whole in a title, an accessible label and a
// focus tooltip with the labels), it is a keyboard grid — arrows, Home/End, Ctrl+End to a row
// whose page was not loaded yet, Enter opens a target — and only the rows and columns in view are
// in the DOM. One test-bed cluster is registered under three names with different labels, and a
// cluster nobody can reach holds 120 more applications, so the rows come in more than one page;
// 26 more clusters nobody can reach make the matrix wider than the window.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { clusterBody, configMapYaml, SYNC_ENV, waitForTargets } from '../support/workloads';
import { uniqueName } from '../engine/helpers';
import { launchBrowser, screenshot, signIn, watchedPage, type WatchedPage } from './browser';
import { ensureUiBuilt } from './build';

const [east] = inject('clusters');
const ADMIN = 'fleet-matrix-admin-token-0123456789abcd';
const run = uniqueName('fm');
// a name longer than a header is wide, and two short ones
const LONG = 'production-europe-west-frankfurt-2';
const CLUSTERS: [string, Record<string, string>][] = [
  [LONG, { env: 'prod', region: 'eu', tier: 'gold' }],
  ['staging', { env: 'staging', region: 'eu' }],
  ['us-1', { env: 'prod', region: 'us' }],
];
const BULK = 120;
const bulkName = (i: number) => `zz-bulk-${String(i).padStart(3, '0')}`;

describe('the fleet matrix', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;
  let browser: Browser;
  let context: BrowserContext;
  let w: WatchedPage;
  let page: Page;

  const rows = () => page.locator('[data-app]').evaluateAll((els) => els.map((e) => e.getAttribute('data-app')));
  const columns = () => page.locator('.mhead [data-cluster]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cluster')));
  const focused = () => page.evaluate('(() => { const e = document.activeElement; return e ? `${e.getAttribute("data-r")},${e.getAttribute("data-c")}` : null; })()');
  const fleetRequests: string[] = [];

  beforeAll(async () => {
    await ensureUiBuilt();
    server = await GitHttpServer.start();
    const repo = await server.createRepository('fm');
    await repo.commit({ 'app/settings.yaml': configMapYaml('fm-settings', { mode: 'git' }) });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    for (const [name, labels] of CLUSTERS) expect((await admin.post('/api/v1/clusters', clusterBody(name, east, labels))).status).toBe(201);
    const far = await admin.post('/api/v1/clusters', { ...clusterBody('far-away', east, { env: 'far' }), server: 'https://127.0.0.1:9' });
    expect(far.status, JSON.stringify(far.body)).toBe(201);
    expect((await admin.post('/api/v1/repositories', { name: 'fm', url: server.url('fm'), pollIntervalSeconds: 3600 })).status).toBe(201);
    const app = (name: string, labels: Record<string, string>, destinations: unknown[]) =>
      admin.post('/api/v1/applications', { name, labels, repository: 'fm', path: 'app', destinations, syncPolicy: { automated: true, intervalSeconds: 300 } });
    for (const res of [
      await app('fm-web', { team: 'web' }, [{ clusterSelector: { matchLabels: { env: 'prod' } }, namespace: `${run}-web` }]),
      await app('fm-api', { team: 'api' }, [{ clusterSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] }, namespace: `${run}-api` }]),
      await app('fm-jobs', { team: 'api', kind: 'batch' }, [{ cluster: 'staging', namespace: `${run}-jobs` }]),
    ]) {
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    for (let i = 0; i < BULK; i += 20) {
      const created = await Promise.all(Array.from({ length: 20 }, (_, j) => app(bulkName(i + j), { team: 'bulk' }, [{ cluster: 'far-away', namespace: 'bulk' }])));
      for (const res of created) expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    await waitForTargets(admin, 'fm-web', [`${LONG}/${run}-web`, `us-1/${run}-web`], (t) => t.sync === 'Synced', 'fm-web synced');
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    w = await watchedPage(context);
    page = w.page;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/fleet') fleetRequests.push(new URL(r.url()).search);
    });
    await signIn(page, running.baseUrl, ADMIN, 'bootstrap');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await server?.stop();
  });

  it('filters by name, labels and cluster selector on the server, keeps the filters in the address, and says which filter is wrong', async () => {
    await page.locator('[data-app="fm-web"]').waitFor();
    // one page at first: the bulk rows past it are not loaded until they scroll into view
    expect(await page.getByTestId('fleet-summary').textContent()).toContain(`${BULK + 3} applications × 4 clusters`);
    expect(await page.getByTestId('matrix').getAttribute('aria-rowcount')).toBe(String(BULK + 3 + 1));
    expect(Object.fromEntries(new URLSearchParams(fleetRequests[0]))).toEqual({ limit: '50' });
    expect(await page.locator('[data-app]').count()).toBeLessThan(60);

    fleetRequests.length = 0;
    await page.getByLabel('filter applications by name').fill('fm-');
    await expect.poll(rows).toEqual(['fm-api', 'fm-jobs', 'fm-web']);
    // typed, then asked once the typing settled: by the server
    expect(fleetRequests.map((q) => new URLSearchParams(q).get('name'))).toContain('fm-');
    expect(fleetRequests.length).toBeLessThan(3);
    await expect.poll(() => page.evaluate('location.search')).toBe('?q=fm-');

    await page.getByLabel('application label selector').fill('team=api');
    await expect.poll(rows).toEqual(['fm-api', 'fm-jobs']);
    await page.getByLabel('cluster label selector').fill('env=prod');
    await expect.poll(columns).toEqual([LONG, 'us-1']);
    // only applications with a target on those clusters, counted there only
    await expect.poll(rows).toEqual(['fm-api']);
    expect(await page.locator('[data-app="fm-api"] .mcount').textContent()).toMatch(/\/2✓/);
    await expect.poll(() => page.evaluate('location.search')).toBe(`?${new URLSearchParams({ q: 'fm-', labels: 'team=api', selector: 'env=prod' }).toString()}`);
    await screenshot(page, 'fleet-matrix-filtered');

    // the address holds the filters: a fresh load shows the same matrix, the inputs filled
    await page.reload();
    await expect.poll(rows).toEqual(['fm-api']);
    expect(await page.getByLabel('filter applications by name').inputValue()).toBe('fm-');
    expect(await page.getByLabel('application label selector').inputValue()).toBe('team=api');
    expect(await page.getByLabel('cluster label selector').inputValue()).toBe('env=prod');

    // a bad selector: the server's 400, naming the parameter
    await page.getByLabel('cluster label selector').fill('env in (prod');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/clusterSelector: .*unbalanced "\("/);
    await page.getByLabel('cluster label selector').fill('');
    await page.getByLabel('application label selector').fill('team in (');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/selector: .*unbalanced "\("/);
    await page.getByLabel('application label selector').fill('');
    await page.getByLabel('filter applications by name').fill('');
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
    await expect.poll(() => page.getByTestId('fleet-summary').textContent()).toContain(`${BULK + 3} applications × 4 clusters`);
    await expect.poll(() => page.evaluate('location.search')).toBe('');
    expect(await w.problems()).toEqual([]);
  }, 120_000);

  it('makes each cluster header readable: the name written upwards, and name and labels in a title, an accessible label and a focus tooltip', async () => {
    const header = page.locator(`.mhead [data-cluster="${LONG}"]`);
    await header.waitFor();
    const link = header.locator('a.colname');
    // written upwards: a name of a dozen characters shows whole, a longer one as far as the header is high
    expect(await page.evaluate(`getComputedStyle(document.querySelector('.mhead [data-cluster="${LONG}"] a.colname')).writingMode`)).toBe('vertical-rl');
    expect(await header.locator('.coltext').textContent()).toBe(LONG);
    const staging = page.locator('.mhead [data-cluster="staging"] .coltext');
    expect(await staging.evaluate((e) => e.scrollHeight <= e.clientHeight + 1 && e.clientHeight > 0)).toBe(true);
    // for the mouse, screen readers and the keyboard
    const title = await link.getAttribute('title');
    expect(title).toContain(LONG);
    expect(title).toContain('env=prod, region=eu, tier=gold');
    const label = await link.getAttribute('aria-label');
    expect(label).toContain(`cluster ${LONG}`);
    expect(label).toContain('labels env=prod, region=eu, tier=gold');
    expect(await page.getByRole('link', { name: `cluster ${LONG}` }).count()).toBe(1);
    const tip = header.locator('.coltip');
    expect(await tip.isVisible()).toBe(false);
    await link.focus();
    await tip.waitFor({ state: 'visible' });
    expect(await tip.textContent()).toContain(LONG);
    expect(await tip.textContent()).toContain('env=prod, region=eu, tier=gold');
    await screenshot(page, 'fleet-matrix-header-tooltip');
    // Enter on a header opens the cluster
    await page.keyboard.press('Enter');
    await page.waitForURL(`${running.baseUrl}/clusters?name=${LONG}`);
    await page.goBack();
    await page.locator('[data-app="fm-web"]').waitFor();
    expect(await w.problems()).toEqual([]);
  }, 60_000);

  it('moves through the grid with the keyboard, one cell in the tab order, and opens a cell with Enter', async () => {
    const grid = page.getByRole('grid', { name: 'applications by cluster' });
    await page.locator('[data-app="fm-web"]').waitFor();
    expect(await grid.getByRole('row').first().getAttribute('aria-rowindex')).toBe('1');
    expect(await grid.getByRole('columnheader').count()).toBe(2 + 4);
    // clusters by name: far-away 0, LONG 1, staging 2, us-1 3; rows by name: fm-api 0, fm-jobs 1, fm-web 2
    const order = await columns();
    expect(order).toEqual(['far-away', LONG, 'staging', 'us-1']);
    const tabbable = () => grid.locator('[tabindex="0"]').count();

    await page.locator('[data-app="fm-api"] a[data-c="-1"]').focus();
    expect(await tabbable()).toBe(1);
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('0,0');
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('fm-api on far-away: no target');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate('document.activeElement.getAttribute("data-cell")')).toBe(LONG);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('2,1');
    expect(await page.evaluate('document.activeElement.getAttribute("data-target")')).toBe(`${LONG}/${run}-web`);
    expect(await tabbable()).toBe(1);
    await page.keyboard.press('End');
    expect(await focused()).toBe('2,3');
    await page.keyboard.press('Home');
    expect(await focused()).toBe('2,-1');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    // past the first row: the header row, and no further
    expect(await focused()).toBe('-1,-1');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate('document.activeElement.closest("[data-cluster]")?.getAttribute("data-cluster")')).toBe('far-away');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('0,0');

    // Tab leaves the grid in one step, Shift+Tab comes back to the same cell
    await page.keyboard.press('Tab');
    expect(await page.evaluate('!!document.activeElement.closest("[role=grid]")')).toBe(false);
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('0,0');

    // Ctrl+End: the last row, whose page loads when it comes into view
    await page.keyboard.press('Control+End');
    await expect.poll(focused, { timeout: 15_000 }).toBe(`${BULK + 2},0`);
    expect(await page.evaluate('document.activeElement.closest("[data-app]")?.getAttribute("data-app")')).toBe(bulkName(BULK - 1));
    expect(await page.evaluate('document.activeElement.getAttribute("data-cell")')).toBe('far-away');
    // only the rows in view are in the DOM
    expect(await page.locator('[data-app]').count()).toBeLessThan(60);
    await page.keyboard.press('Control+Home');
    await expect.poll(focused).toBe('0,0');

    // Enter opens the target of a one-target cell
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate('document.activeElement.getAttribute("data-target")')).toBe(`${LONG}/${run}-web`);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${running.baseUrl}/applications/fm-web/targets/${LONG}/${run}-web`);
    expect(await w.problems()).toEqual([]);
  }, 60_000);

  it('keeps only the columns in view in the DOM, and the keyboard scrolls sideways to a column out of view', async () => {
    // 26 more clusters: 30 columns, more than the window is wide
    for (let i = 0; i < 26; i++) {
      const res = await admin.post('/api/v1/clusters', { ...clusterBody(`wide-${String(i).padStart(2, '0')}`, east, { env: 'wide' }), server: 'https://127.0.0.1:9' });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    await page.goto(`${running.baseUrl}/`);
    await expect.poll(() => page.getByTestId('fleet-summary').textContent()).toContain('× 30 clusters');
    const grid = page.getByRole('grid', { name: 'applications by cluster' });
    expect(await grid.getAttribute('aria-colcount')).toBe(String(30 + 2));
    const headers = await columns();
    expect(headers.length).toBeGreaterThan(4);
    expect(headers.length).toBeLessThan(30);
    expect(headers).not.toContain('wide-25');

    await page.locator('[data-app="fm-web"] a[data-c="-1"]').focus();
    await page.keyboard.press('End');
    await expect.poll(focused).toBe('2,29');
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('fm-web on wide-25: no target');
    expect(await page.evaluate('document.activeElement.getAttribute("aria-colindex")')).toBe('32');
    expect(await columns()).toContain('wide-25');
    expect(await columns()).not.toContain('far-away');
    expect(await page.getByTestId('matrix').evaluate((e) => e.scrollLeft)).toBeGreaterThan(0);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await page.evaluate('document.activeElement.closest("[data-cluster]")?.getAttribute("data-cluster")')).toBe('wide-25');
    await page.keyboard.press('Home');
    await expect.poll(focused).toBe('-1,-1');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await expect.poll(focused).toBe('0,0');
    expect(await page.getByTestId('matrix').evaluate((e) => e.scrollLeft)).toBe(0);
    await screenshot(page, 'fleet-matrix-wide');
    expect(await w.problems()).toEqual([]);
  }, 60_000);
});
