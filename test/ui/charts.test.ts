// The charts in a real browser (Debian's chromium) against the real service with a run history
// the test made (test/support/run-history.ts: two targets, three syncs, one failing; a webhook
// channel refusing one delivery): each chart is drawn on its canvas — pixels of the series'
// colours are there, the light theme's and then, after the system switches, the dark theme's —
// and the numbers in each chart's data table are the ones the summary endpoints answer. axe-core
// finds nothing serious in the figures, in either theme; no CSP violation, no page error. Screenshots go to test-results/ui/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient } from '../support/api';
import { produceRunHistory, type RunHistory } from '../support/run-history';
import { axeSerious } from './axe';
import { launchBrowser, screenshot, signIn, watchedPage, type WatchedPage } from './browser';
import { ensureUiBuilt } from './build';

const [, west] = inject('clusters');
const ADMIN = 'charts-test-admin-token-0123456789abcdef';
const PHASES = ['Succeeded', 'Failed', 'Blocked', 'Interrupted', 'Running'];
const HEALTHS = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

/** axe-core's serious and critical findings inside the charts' figures (open, so their tables count too) */
async function axeOnCharts(page: Page): Promise<string[]> {
  await page.evaluate('document.querySelectorAll("figure.chart details").forEach((d) => { d.open = true; })');
  return axeSerious(page, ['figure.chart']);
}

/** How many pixels of the chart's canvas have the colour of a CSS variable (as the page resolves it now). */
function pixelsOf(page: Page, chart: string, variable: string): Promise<number> {
  // a string: this file is compiled without the DOM's types
  return page.evaluate<number>(`(() => {
    const value = getComputedStyle(document.documentElement).getPropertyValue(${JSON.stringify(variable)}).trim();
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = value;
    const hex = probe.fillStyle;
    const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const canvas = document.querySelector('[data-chart=${JSON.stringify(chart)}] canvas');
    if (!canvas) return -1;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - want[0]) < 12 && Math.abs(data[i + 1] - want[1]) < 12 && Math.abs(data[i + 2] - want[2]) < 12) n++;
    }
    return n;
  })()`);
}

/** The rows of a chart's data table: each row's data-* attributes and its cells' data-* → text. */
async function tableOf(page: Page, chart: string): Promise<{ row: Record<string, string>; cells: Record<string, string> }[]> {
  return page.locator(`[data-chart="${chart}"] details table tbody tr`).evaluateAll((rows: any[]) =>
    rows.map((r) => ({
      row: { ...r.dataset },
      cells: Object.fromEntries(
        [...r.querySelectorAll('td')].flatMap((td: any) =>
          Object.entries(td.dataset as Record<string, string>).map(([k, v]) => [v === '' ? k : `${k}=${v}`, td.textContent.trim()]),
        ),
      ),
    })),
  );
}

describe('the charts', () => {
  let h: RunHistory;
  let browser: Browser;
  let context: BrowserContext;
  let viewer: string;
  let watched: WatchedPage;

  beforeAll(async () => {
    await ensureUiBuilt();
    h = await produceRunHistory('ch', west, ADMIN);
    viewer = (await h.admin.post('/api/v1/tokens', { name: 'charts-viewer', role: 'viewer' })).body.token;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
    watched = await watchedPage(context);
    await signIn(watched.page, h.running.baseUrl, viewer, 'charts-viewer');
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const api = () => apiClient(h.running.baseUrl, viewer);

  it('fleet: draws runs per hour by phase and targets by health, with the numbers of /summaries/runs and /summaries/health', async () => {
    const page = watched.page;
    await page.goto(`${h.running.baseUrl}/`);
    const runsChart = page.locator('[data-chart="fleet-runs"]');
    await runsChart.locator('.chart-canvas[data-series="5"] canvas').waitFor();
    expect(await runsChart.getAttribute('aria-label')).toBe('Sync runs per hour by phase');
    expect(await runsChart.locator('[role="img"]').getAttribute('aria-label')).toMatch(/6 runs, 4 succeeded, 2 failed/);

    const runs = (await api().get('/api/v1/summaries/runs?hours=24')).body;
    const table = await tableOf(page, 'fleet-runs');
    expect(table.map((r) => r.row.start)).toEqual(runs.buckets.map((b: any) => b.start));
    expect(table.map((r) => [...PHASES.map((p) => Number(r.cells[`phase=${p}`])), Number(r.cells.total)])).toEqual(
      runs.buckets.map((b: any) => [...PHASES.map((p) => b.phases[p]), b.total]),
    );
    expect(await pixelsOf(page, 'fleet-runs', '--good')).toBeGreaterThan(50);
    expect(await pixelsOf(page, 'fleet-runs', '--bad')).toBeGreaterThan(20);

    // the health samples follow the targets a moment later
    const healthChart = page.locator('[data-chart="fleet-health"]');
    await healthChart.locator('.chart-canvas[data-series="6"] canvas').waitFor();
    const health = (await api().get('/api/v1/summaries/health?hours=24')).body;
    const rows = await tableOf(page, 'fleet-health');
    expect(rows.map((r) => r.row.start)).toEqual(health.buckets.map((b: any) => b.start));
    expect(rows.map((r) => (r.cells['health=Healthy'] === undefined ? null : Object.fromEntries(HEALTHS.map((x) => [x, Number(r.cells[`health=${x}`])]))))).toEqual(
      health.buckets.map((b: any) => b.health),
    );
    expect(health.buckets.at(-1).health).toMatchObject({ Healthy: 1, Progressing: 1 });
    expect(await pixelsOf(page, 'fleet-health', '--good')).toBeGreaterThan(20);
    expect(await pixelsOf(page, 'fleet-health', '--busy')).toBeGreaterThan(20);
    await runsChart.scrollIntoViewIfNeeded();
    await screenshot(page, 'charts-fleet');
    expect(await axeOnCharts(page)).toEqual([]);
    expect(await watched.problems()).toEqual([]);
  }, 120_000);

  it('fleet, dark: the charts are drawn again in the dark theme when the system switches', async () => {
    const page = watched.page;
    const light = { good: await pixelsOf(page, 'fleet-runs', '--good'), bad: await pixelsOf(page, 'fleet-runs', '--bad') };
    await page.emulateMedia({ colorScheme: 'dark' });
    // the variables now hold the dark colours: pixels of those appear, as many as the light ones were
    await expect.poll(() => pixelsOf(page, 'fleet-runs', '--good')).toBe(light.good);
    expect(await pixelsOf(page, 'fleet-runs', '--bad')).toBe(light.bad);
    expect(await page.evaluate('getComputedStyle(document.documentElement).getPropertyValue("--good").trim()')).toBe('#6fdd8b');
    await screenshot(page, 'charts-fleet-dark');
    expect(await axeOnCharts(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await watched.problems()).toEqual([]);
  }, 60_000);

  it('application: each run as a point, all targets or one, with the runs of /applications/:name/summaries/runs', async () => {
    const page = watched.page;
    await page.goto(`${h.running.baseUrl}/applications/${h.app}`);
    const chart = page.locator('[data-chart="application-runs"]');
    await chart.locator('.chart-canvas[data-series="4"] canvas').waitFor();
    // the duration cell names its milliseconds: data-duration-ms="1234"
    const duration = (cells: Record<string, string>) =>
      Object.keys(cells)
        .find((k) => k.startsWith('durationMs='))
        ?.split('=')[1];
    const rowsOf = async () =>
      (await tableOf(page, 'application-runs')).map((r) => ({ id: Number(r.row.run), target: r.cells.target, phase: r.cells.phase, durationMs: Number(duration(r.cells) ?? NaN) }));
    const points = (body: any) => body.runs.map((r: any) => ({ id: r.id, target: `${r.cluster}/${r.namespace}`, phase: r.phase, durationMs: r.durationMs ?? NaN }));
    const all = (await api().get(`/api/v1/applications/${h.app}/summaries/runs?hours=24`)).body;
    expect(all.runs).toHaveLength(6);
    expect(await rowsOf()).toEqual(points(all));
    expect(await pixelsOf(page, 'application-runs', '--good')).toBeGreaterThan(20);
    expect(await pixelsOf(page, 'application-runs', '--bad')).toBeGreaterThan(20);
    await chart.scrollIntoViewIfNeeded();
    await screenshot(page, 'charts-application');
    expect(await axeOnCharts(page)).toEqual([]);

    const [one] = h.targets;
    await chart.getByLabel('Target', { exact: true }).selectOption(`${one.cluster}/${one.namespace}`);
    const mine = (await api().get(`/api/v1/applications/${h.app}/summaries/runs?hours=24&cluster=${one.cluster}&namespace=${one.namespace}`)).body;
    expect(mine.runs).toHaveLength(3);
    await expect.poll(rowsOf).toEqual(points(mine));
    await expect.poll(() => chart.getAttribute('aria-label')).toBe(`Duration and outcome of each sync run of ${one.cluster}/${one.namespace}`);
    expect(await watched.problems()).toEqual([]);
  }, 60_000);

  it('channel: delivery latency and failures, with the numbers of /channels/:name/summaries/deliveries', async () => {
    const page = watched.page;
    await page.goto(`${h.running.baseUrl}/channels/${h.channel}`);
    const chart = page.locator('[data-chart="channel-deliveries"]');
    await chart.locator('.chart-canvas[data-series="3"] canvas').waitFor();
    const summary = (await api().get(`/api/v1/channels/${h.channel}/summaries/deliveries?hours=24`)).body;
    const table = await tableOf(page, 'channel-deliveries');
    const number = (s: string) => (s === '—' ? null : Number(s));
    expect(table.map((r) => r.row.start)).toEqual(summary.buckets.map((b: any) => b.start));
    const fields = ['total', 'delivered', 'failed', 'pending', 'latencyP50Ms', 'latencyMaxMs'];
    expect(table.map((r) => fields.map((f) => number(r.cells[`field=${f}`])))).toEqual(summary.buckets.map((b: any) => fields.map((f) => b[f])));
    const sent = summary.buckets.filter((b: any) => b.total > 0);
    expect(sent.reduce((n: number, b: any) => n + b.failed, 0)).toBeGreaterThanOrEqual(1);
    expect(await pixelsOf(page, 'channel-deliveries', '--bad')).toBeGreaterThan(20);
    expect(await pixelsOf(page, 'channel-deliveries', '--accent')).toBeGreaterThan(5);
    await chart.scrollIntoViewIfNeeded();
    await screenshot(page, 'charts-channel');
    expect(await axeOnCharts(page)).toEqual([]);
    expect(await watched.problems()).toEqual([]);
  }, 60_000);
});
