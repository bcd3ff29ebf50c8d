// Accessibility: axe-core (the engine behind Lighthouse's and most CI accessibility checks) run in
// Debian's chromium on every screen of the web UI, in the light and the dark theme, against the
// real service with a synced application, a rollout, a channel with deliveries and an audit log.
// Any violation axe rates serious or critical fails the test, naming the rule and the elements.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, type ApiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { GitHttpServer } from '../support/git-server';
import { WebhookReceiver } from '../support/webhook-receiver';
import { eventually } from '../support/eventually';
import { clusterBody, configMapYaml, deploymentYaml, describeTargets, getApplication, markDeploymentReady, serviceYaml, SYNC_ENV } from '../support/workloads';
import { axeSerious } from './axe';
import { launchBrowser, screenshot, signIn, watchedPage } from './browser';
import { ensureUiBuilt } from './build';

const [east] = inject('clusters');
const ADMIN = 'a11y-test-admin-token-0123456789abcdef';
const APP = 'a11y-app';
describe('accessibility (axe-core) on every screen, light and dark', () => {
  let server: GitHttpServer;
  let running: RunningApp;
  let admin: ApiClient;
  let browser: Browser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    await ensureUiBuilt();
    server = await GitHttpServer.start();
    const repo = await server.createRepository('a11y-deploy');
    await repo.commit({
      'app/deploy.yaml': deploymentYaml('a11y-web'),
      'app/service.yaml': serviceYaml('a11y-web'),
      'app/settings.yaml': configMapYaml('a11y-settings', { greeting: 'hello' }),
    });
    receiver = await WebhookReceiver.start();
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...SYNC_ENV, FLOTILLA_HOOKS__ALLOW_PRIVATE_NETWORKS: 'true' });
    admin = apiClient(running.baseUrl, ADMIN);
    expect((await admin.post('/api/v1/clusters', clusterBody('a11y-east', east, { env: 'a11y', region: 'eu' }))).status).toBe(201);
    expect((await admin.post('/api/v1/repositories', { name: 'a11y-deploy', url: server.url('a11y-deploy'), pollIntervalSeconds: 3600 })).status).toBe(201);
    expect((await admin.post('/api/v1/channels', { name: 'a11y-hook', type: 'webhook', webhook: { url: receiver.url } })).status).toBe(201);
    const created = await admin.post('/api/v1/applications', {
      name: APP,
      labels: { team: 'a11y' },
      repository: 'a11y-deploy',
      path: 'app',
      destinations: [
        { cluster: 'a11y-east', namespace: 'a11y-web' },
        { cluster: 'a11y-east', namespace: 'a11y-canary' },
      ],
      syncPolicy: { automated: true, prune: true, selfHeal: true, intervalSeconds: 2 },
      rollout: { waves: [{ name: 'canary', clusters: ['a11y-east'], maxParallel: 1 }] },
      hooks: [{ on: ['PostSync'], channel: 'a11y-hook' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // one target at a time (maxParallel 1): each Deployment is made ready, as its controller would, once applied
    await eventually(
      'both targets Synced and Healthy',
      async () => {
        const app = await getApplication(admin, APP);
        for (const t of app.status.targets) if (t.sync === 'Synced' && t.health === 'Progressing') await markDeploymentReady(east, t.namespace, 'a11y-web');
        return describeTargets(app.status.targets);
      },
      (seen) => seen.length === 2 && seen.every((t) => t.includes('Synced Healthy')),
      120_000,
      500,
    );
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await server?.stop();
    await receiver?.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical violations in the ${scheme} theme`, async () => {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: scheme });
      try {
        const w = await watchedPage(context);
        const page = w.page;
        const found: string[] = [];
        const check = async (screen: string) => {
          // the live event stream keeps the network busy: let the screen's first data settle instead
          await page.waitForTimeout(500);
          await screenshot(page, `a11y-${scheme}-${screen}`);
          for (const v of await axeSerious(page)) found.push(`${screen}: ${v}`);
        };

        await page.goto(`${running.baseUrl}/`);
        await page.getByLabel('API token').waitFor();
        await check('sign-in');
        await signIn(page, running.baseUrl, ADMIN, 'bootstrap');

        const screens: Array<[string, string, () => Promise<unknown>]> = [
          ['fleet', '/', () => page.locator(`[data-app="${APP}"]`).waitFor()],
          ['application', `/applications/${APP}`, () => page.getByTestId('targets').waitFor()],
          ['history', `/applications/${APP}/history`, () => page.getByTestId('history').waitFor()],
          ['target', `/applications/${APP}/targets/a11y-east/a11y-web`, () => page.getByTestId('tree').waitFor()],
          ['clusters', '/clusters', () => page.locator('[data-cluster="a11y-east"]').waitFor()],
          ['repositories', '/repositories', () => page.locator('[data-repository="a11y-deploy"]').waitFor()],
          ['channels', '/channels', () => page.getByTestId('deliveries').waitFor()],
          ['channel', '/channels/a11y-hook', () => page.getByTestId('deliveries').waitFor()],
          ['audit', '/audit', () => page.getByTestId('audit').waitFor()],
        ];
        for (const [screen, path, ready] of screens) {
          await page.goto(`${running.baseUrl}${path}`);
          await ready();
          await check(screen);
          if (screen === 'target') {
            // the same target as a graph, then back to the list (the choice is remembered)
            await page.getByRole('button', { name: 'Graph', exact: true }).click();
            await page.getByTestId('graph').locator('[data-kind="Deployment"]').first().waitFor();
            await check('target-graph');
            await page.getByRole('button', { name: 'List', exact: true }).click();
          }
        }
        expect(found, found.join('\n')).toEqual([]);
        expect(await w.problems()).toEqual([]);
      } finally {
        await context.close();
      }
    }, 240_000);
  }
});
