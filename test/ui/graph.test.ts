// The target page's resource graph in a real browser (Debian's chromium through playwright-core)
// against the real service, a test-bed cluster and a git server: a Deployment, a Service and an
// Ingress synced from git, the ReplicaSet and Pods created as the controllers would; the graph
// draws Deployment → ReplicaSet → Pod, Service → Pod and Ingress → Service, a click or Enter opens
// an object's manifest, the arrow keys walk the graph, the choice of view is remembered, and the
// colours follow the light and dark themes, and axe-core finds nothing serious in either — all
// under the Content Security Policy. Screenshots go to test-results/ui/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { clusterBody, configMapYaml, createReplicaSetAndPods, deploymentYaml, markDeploymentReady, serviceYaml, SYNC_ENV, waitForTargets } from '../support/workloads';
import { axeSerious } from './axe';
import { launchBrowser, screenshot, signIn, watchedPage } from './browser';
import { ensureUiBuilt } from './build';

const [east] = inject('clusters');
const ADMIN = 'graph-test-admin-token-0123456789abcdef';
const APP = 'graph-app';
const NS = 'graph-web';
const RS = 'graph-web-6b8f4';
const PODS = [`${RS}-p1`, `${RS}-p2`];
const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: graph-ingress
spec:
  rules:
  - host: graph.example
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: graph-web
            port:
              number: 80
`;
const key = (group: string, kind: string, name: string) => `${group}/${kind}/${NS}/${name}`;
const DEPLOYMENT = key('apps', 'Deployment', 'graph-web');
const REPLICASET = key('apps', 'ReplicaSet', RS);
const SERVICE = key('', 'Service', 'graph-web');
const INGRESS_KEY = key('networking.k8s.io', 'Ingress', 'graph-ingress');
const POD_KEYS = PODS.map((p) => key('', 'Pod', p));
describe('the resource graph of a target', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;
  let browser: Browser;

  beforeAll(async () => {
    await ensureUiBuilt();
    server = await GitHttpServer.start();
    const repo = await server.createRepository('graph-deploy');
    await repo.commit({
      'app/deploy.yaml': deploymentYaml('graph-web'),
      'app/service.yaml': serviceYaml('graph-web'),
      'app/ingress.yaml': INGRESS,
      'app/settings.yaml': configMapYaml('graph-settings', { a: '1' }),
    });
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV });
    admin = apiClient(running.baseUrl, ADMIN);
    expect((await admin.post('/api/v1/clusters', clusterBody('graph-east', east))).status).toBe(201);
    expect((await admin.post('/api/v1/repositories', { name: 'graph-deploy', url: server.url('graph-deploy'), pollIntervalSeconds: 3600 })).status).toBe(201);
    const created = await admin.post('/api/v1/applications', { name: APP, repository: 'graph-deploy', path: 'app', destinations: [{ cluster: 'graph-east', namespace: NS }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await waitForTargets(admin, APP, [`graph-east/${NS}`], (t) => t.sync === 'Synced', 'synced');
    await markDeploymentReady(east, NS, 'graph-web');

    // what the deployment and replicaset controllers would create: owned by uid, labelled as the
    // Deployment's template says (and so selected by the Service)
    await createReplicaSetAndPods(east, NS, 'graph-web', RS, PODS);
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await server?.stop();
  });

  const graphNode = (page: Page, kind: string, name: string) => page.getByTestId('graph').locator(`.react-flow__node[data-kind="${kind}"][data-name="${name}"]`);
  /** the edges drawn, as `kind from → to`, read from the DOM (the application's fan-out is one element naming every target) */
  const drawnEdges = (page: Page) =>
    page
      .getByTestId('graph')
      .locator('.react-flow__edge')
      .evaluateAll((els) =>
        els.flatMap((e) => (e.getAttribute('data-to') ?? '').split(' ').map((to: string) => `${e.getAttribute('data-kind')} ${e.getAttribute('data-from')} → ${to}`)).sort(),
      );
  const focusedNode = (page: Page) => page.evaluate<string | null>("document.activeElement && document.activeElement.getAttribute('data-name')");

  it('draws the application, its objects and their children, with Services linked to their Pods and the Ingress to its Service; a click opens the manifest', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const w = await watchedPage(ctx);
      const page = w.page;
      await signIn(page, running.baseUrl, ADMIN, 'bootstrap');
      await page.goto(`${running.baseUrl}/applications/${APP}/targets/graph-east/${NS}`);
      // the list is the default until the graph is chosen
      await page.getByTestId('tree').waitFor();
      await page.getByRole('button', { name: 'Graph', exact: true }).click();
      await graphNode(page, 'Deployment', 'graph-web').waitFor();
      expect(await page.getByRole('button', { name: 'Graph', exact: true }).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('tree').count()).toBe(0);

      // every node, each with kind, name, health (and sync for what Flotilla applied)
      for (const [kind, name] of [
        ['Application', APP],
        ['Deployment', 'graph-web'],
        ['ReplicaSet', RS],
        ['Pod', PODS[0]],
        ['Pod', PODS[1]],
        ['Service', 'graph-web'],
        ['Ingress', 'graph-ingress'],
        ['ConfigMap', 'graph-settings'],
      ])
        await graphNode(page, kind, name).waitFor();
      const deployment = graphNode(page, 'Deployment', 'graph-web');
      expect(await deployment.textContent()).toMatch(/Deployment.*Healthy.*Synced.*graph-web/s);
      expect(await deployment.getAttribute('aria-label')).toBe('Deployment graph-web, health Healthy, Synced');
      expect(await graphNode(page, 'Pod', PODS[0]).getAttribute('aria-label')).toMatch(/^Pod graph-web-6b8f4-p1, health \w+, not applied by Flotilla$/);

      const edges = await drawnEdges(page);
      expect(edges).toEqual(
        [
          `applies application → ${DEPLOYMENT}`,
          `applies application → ${SERVICE}`,
          `applies application → ${INGRESS_KEY}`,
          `applies application → ${key('', 'ConfigMap', 'graph-settings')}`,
          `owns ${DEPLOYMENT} → ${REPLICASET}`,
          ...POD_KEYS.map((p) => `owns ${REPLICASET} → ${p}`),
          ...POD_KEYS.map((p) => `selects ${SERVICE} → ${p}`),
          `routes ${INGRESS_KEY} → ${SERVICE}`,
        ].sort(),
      );
      // named for a screen reader, too
      expect(await page.locator(`.react-flow__edge[data-from="${SERVICE}"][data-to="${POD_KEYS[1]}"]`).getAttribute('aria-label')).toBe(`Service graph-web selects Pod ${PODS[1]}`);
      expect(await page.locator('.react-flow__edge[data-kind="applies"]').getAttribute('aria-label')).toBe(`application ${APP} applies 4 objects`);
      // laid out left to right: the application, then the Deployment, its ReplicaSet, its Pods
      const x = async (kind: string, name: string) => (await graphNode(page, kind, name).boundingBox())!.x;
      expect(await x('Application', APP)).toBeLessThan(await x('Deployment', 'graph-web'));
      expect(await x('Deployment', 'graph-web')).toBeLessThan(await x('ReplicaSet', RS));
      expect(await x('ReplicaSet', RS)).toBeLessThan(await x('Pod', PODS[0]));
      expect(await x('Pod', PODS[0])).toBe(await x('Pod', PODS[1]));

      await deployment.click();
      const detail = page.getByTestId('object-detail');
      await expect.poll(() => detail.getByTestId('manifest').textContent()).toContain('kind: Deployment');
      expect(await detail.getByTestId('manifest').textContent()).toContain(`flotilla.io/application: ${APP}`);
      await detail.getByTestId('object-diff').getByText('the live object matches git').waitFor();
      expect(await deployment.locator('.gnode').getAttribute('class')).toContain('selected');
      await screenshot(page, 'graph');

      await graphNode(page, 'Service', 'graph-web').click();
      await expect.poll(() => detail.getByTestId('manifest').textContent()).toContain('kind: Service');

      // no stylesheet injected at run time: React Flow's is a file, and the policy held
      expect(await page.evaluate('document.querySelectorAll("style").length')).toBe(0);
      expect(await w.cspViolations()).toEqual([]);
      expect(await w.problems()).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);

  it('walks the graph from the keyboard: Tab reaches a node, arrows follow owners, children and columns, Enter opens; the view is remembered', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const w = await watchedPage(ctx);
      const page = w.page;
      await signIn(page, running.baseUrl, ADMIN, 'bootstrap');
      await page.goto(`${running.baseUrl}/applications/${APP}/targets/graph-east/${NS}`);
      await page.getByRole('button', { name: 'Graph', exact: true }).click();
      await graphNode(page, 'Deployment', 'graph-web').waitFor();

      // Tab from the view switch lands in the graph, on a node
      await page.getByRole('button', { name: 'Graph', exact: true }).focus();
      let name: string | null = null;
      for (let i = 0; i < 12 && !name; i++) {
        await page.keyboard.press('Tab');
        name = await page.evaluate<string | null>(
          "document.activeElement && document.activeElement.classList.contains('react-flow__node') ? document.activeElement.getAttribute('data-name') : null",
        );
      }
      expect(name, 'Tab reaches a node of the graph').not.toBeNull();

      await graphNode(page, 'Deployment', 'graph-web').focus();
      await page.keyboard.press('ArrowRight');
      await expect.poll(() => focusedNode(page)).toBe(RS);
      await page.keyboard.press('ArrowRight');
      const firstPod = await focusedNode(page);
      expect(PODS).toContain(firstPod);
      await page.keyboard.press(firstPod === PODS[0] ? 'ArrowDown' : 'ArrowUp');
      await expect.poll(() => focusedNode(page)).toBe(firstPod === PODS[0] ? PODS[1] : PODS[0]);
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => focusedNode(page)).toBe(RS);
      await page.keyboard.press('Enter');
      const detail = page.getByTestId('object-detail');
      await expect.poll(() => detail.getByTestId('manifest').textContent()).toContain(`name: ${RS}`);
      await detail.getByText('not applied by Flotilla').waitFor();

      // remembered: the next visit opens on the graph; the list is one click away
      await page.reload();
      await graphNode(page, 'ReplicaSet', RS).waitFor();
      await page.getByRole('button', { name: 'List', exact: true }).click();
      await page.getByTestId('tree').locator(`[data-kind="ReplicaSet"][data-name="${RS}"]`).waitFor();
      await page.reload();
      await page.getByTestId('tree').waitFor();
      expect(await page.getByTestId('graph').count()).toBe(0);
      expect(await w.problems()).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 120_000);

  it("takes its colours from the theme's variables, light and dark, and passes axe-core in both", async () => {
    const seen: Record<string, { pane: string; node: string; link: string }> = {};
    for (const scheme of ['light', 'dark'] as const) {
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 800 }, colorScheme: scheme });
      try {
        const w = await watchedPage(ctx);
        const page = w.page;
        await signIn(page, running.baseUrl, ADMIN, 'bootstrap');
        await page.evaluate("localStorage.setItem('flotilla.targetView', 'graph')");
        await page.goto(`${running.baseUrl}/applications/${APP}/targets/graph-east/${NS}`);
        await graphNode(page, 'Deployment', 'graph-web').waitFor();
        await page.locator(`.react-flow__edge[data-kind="selects"]`).first().waitFor();
        // what the theme's variables resolve to, against what the graph's elements are painted with
        const colours = await page.evaluate<{ pane: string; bg: string; node: string; bgNode: string; link: string; accent: string }>(`(() => {
          const probe = (v, prop) => { const d = document.createElement('div'); d.style[prop] = 'var(' + v + ')'; document.body.appendChild(d); const c = getComputedStyle(d)[prop]; d.remove(); return c; };
          return {
            pane: getComputedStyle(document.querySelector('.react-flow')).backgroundColor,
            bg: probe('--bg', 'backgroundColor'),
            node: getComputedStyle(document.querySelector('.react-flow__node[data-kind="Pod"] .gnode')).backgroundColor,
            bgNode: probe('--bg2', 'backgroundColor'),
            link: getComputedStyle(document.querySelector('.react-flow__edge[data-kind="selects"] .react-flow__edge-path')).stroke,
            accent: probe('--accent', 'color'),
          };
        })()`);
        expect(colours.pane).toBe(colours.bg);
        expect(colours.node).toBe(colours.bgNode);
        expect(colours.link).toBe(colours.accent);
        seen[scheme] = { pane: colours.pane, node: colours.node, link: colours.link };
        await screenshot(page, `${scheme}-graph`);
        // and readable by everyone: contrast, names and roles as axe-core checks them
        expect(await axeSerious(page)).toEqual([]);
        expect(await w.cspViolations()).toEqual([]);
        expect(await w.problems()).toEqual([]);
      } finally {
        await ctx.close();
      }
    }
    expect(seen.dark.pane).not.toBe(seen.light.pane);
    expect(seen.dark.link).not.toBe(seen.light.link);
  }, 120_000);
});
