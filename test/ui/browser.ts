// Debian's chromium driven by playwright-core: nothing is downloaded at run time. Each page
// records Content Security Policy violations (the securitypolicyviolation event, from an init
// script the DevTools protocol injects, and the console's CSP messages) and page errors.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from './build';

export const SCREENSHOTS = join(ROOT, 'test-results', 'ui');

export function chromiumPath(): string {
  const candidates = [process.env.FLOTILLA_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no chromium at ${candidates.join(', ')}: install it (apt-get install chromium, as .ci/run does) or set FLOTILLA_CHROMIUM`);
  return found;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
}

export interface WatchedPage {
  page: Page;
  /** CSP violations and page errors seen so far */
  problems(): Promise<string[]>;
  cspViolations(): Promise<string[]>;
}

/** A page that records what went wrong on it. */
export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const console: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) console.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  // strings, not functions: this file is compiled without the DOM's types
  await page.addInitScript({
    content: `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber));`,
  });
  const fromDocument = async (): Promise<string[]> => (await page.evaluate('window.__csp || []').catch(() => [])) as string[];
  return {
    page,
    cspViolations: async () => [...(await fromDocument()), ...console],
    problems: async () => [...(await fromDocument()), ...console, ...errors],
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Signs in through the form, as a person would, and waits for the header to name the token. */
export async function signIn(page: Page, baseUrl: string, token: string, name: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').filter({ hasText: name }).waitFor();
}
