// The one-click sign-in link `npm run demo` prints, opened in a real browser (Debian's chromium
// through playwright-core) while the demo runs: it lands signed in as the link's token, the token
// is gone from the address bar at once, and no request the browser made — so nothing the server
// saw — carried it in a URL or a Referer. A link with a token the service does not accept shows
// the sign-in screen with the usual error.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoRun } from '../demo/run-demo';
import { freePort } from '../support/ports';
import { launchBrowser, screenshot, watchedPage, type WatchedPage } from './browser';
import { ensureUiBuilt } from './build';

/** every request the page makes: its URL and its Referer (the headers as sent) */
function recordRequests(page: Page): () => Promise<Array<{ url: string; referer: string }>> {
  const seen: Array<Promise<{ url: string; referer: string }>> = [];
  page.on('request', (r) => seen.push(r.allHeaders().then((h) => ({ url: r.url(), referer: h.referer ?? '' }))));
  return () => Promise.all(seen);
}

describe('the sign-in link npm run demo prints', () => {
  let demo: DemoRun;
  let base: string;
  let link: string;
  let token: string;
  let logFile: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // ui/dist fresh first, as the other browser tests want it: the demo then finds nothing to build
    await ensureUiBuilt();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    demo = DemoRun.start([], { DEMO_PORT: String(port) });
    await demo.waitFor(/^Up until Ctrl-C\.$/m, 300_000);
    const printed = new RegExp(`sign-in link +(${base}/#token=(\\S+))$`, 'm').exec(demo.output);
    if (!printed) throw new Error(`no sign-in link for ${base} in:\n${demo.output}`);
    [, link] = printed;
    token = decodeURIComponent(printed[2]);
    logFile = /^ {2}service log +(\S+)$/m.exec(demo.output)![1];
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    const exit = await demo?.interrupt();
    // Ctrl-C stops everything it started: nothing answers on its port any more
    if (exit && base) await expect(fetch(`${base}/`)).rejects.toThrow();
  }, 120_000);

  async function open(url: string): Promise<{ watched: WatchedPage; requests: () => Promise<Array<{ url: string; referer: string }>> }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    contexts.push(context);
    const watched = await watchedPage(context);
    const requests = recordRequests(watched.page);
    await watched.page.goto(url);
    return { watched, requests };
  }

  it('answers the printed URL with the app shell', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toMatch(/<script\b(?=[^>]*\btype="module")[^>]*\bsrc="\/assets\/[^"]+\.js"/);
    expect(html).toContain('id="root"');
  });

  it('signs in with one click, takes the token out of the address bar, and never sends it in a URL', async () => {
    const { watched, requests } = await open(link);
    const { page } = watched;
    // signed in as the link's token, the demo's own operator token
    await page.getByTestId('who').filter({ hasText: 'demo-ui' }).waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('operator');
    // the fleet, where the link opens, with the demo's application in it
    await page.getByRole('link', { name: 'guestbook', exact: true }).first().waitFor();
    await screenshot(page, 'sign-in-link');

    // the fragment is gone: from the address bar, and from the tab's history entry
    expect(page.url()).toBe(`${base}/`);
    expect(await page.evaluate('location.href')).toBe(`${base}/`);
    expect(await page.evaluate('location.hash')).toBe('');
    // kept as the sign-in form keeps it: for this tab only
    expect(await page.evaluate("sessionStorage.getItem('flotilla.token')")).toBe(token);
    expect(await page.evaluate("localStorage.getItem('flotilla.token')")).toBeNull();

    // a reload keeps the session (sessionStorage), with no token in sight
    await page.reload();
    await page.getByTestId('who').filter({ hasText: 'demo-ui' }).waitFor();
    expect(page.url()).toBe(`${base}/`);

    // what the browser sent, so what the server saw: the page, its assets, the API — the token
    // in none of their URLs nor Referers (it goes as Authorization: Bearer to the API only)
    const sent = await requests();
    expect(sent.map((r) => r.url)).toContain(`${base}/`);
    expect(sent.some((r) => r.url.startsWith(`${base}/api/v1/whoami`))).toBe(true);
    const leaks = sent.filter((r) => r.url.includes(token) || r.referer.includes(token) || /[#?&]token=/.test(r.url + r.referer));
    expect(leaks).toEqual([]);
    // and the service's own log of those requests has no trace of it either
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('"path":"/api/v1/whoami"');
    expect(log).not.toContain(token);

    expect(await watched.problems()).toEqual([]);
  });

  it('shows the sign-in screen with the usual error for a token the service does not accept', async () => {
    const bogus = `flt_000000000000_${'A'.repeat(43)}`;
    const { watched, requests } = await open(`${base}/clusters#token=${bogus}`);
    const { page } = watched;
    await page.getByText('The sign-in link did not work: the service does not accept this token (invalid or revoked)').waitFor();
    await page.getByLabel('API token').waitFor();
    expect(await page.getByTestId('who').count()).toBe(0);
    // removed all the same, the rest of the address kept
    expect(page.url()).toBe(`${base}/clusters`);
    expect(await page.evaluate("sessionStorage.getItem('flotilla.token')")).toBeNull();
    expect((await requests()).filter((r) => r.url.includes(bogus) || r.referer.includes(bogus))).toEqual([]);
    await screenshot(page, 'sign-in-link-bad-token');
    // the 401 of whoami is the browser's console error for a failed fetch, not a page error
    expect(await watched.problems()).toEqual([]);
  });
});
