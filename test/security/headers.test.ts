// Security headers on every response: API answers, errors, the OpenAPI UI; HSTS only over TLS.
// API answers are never stored by a cache; the web UI's files keep their caching.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/common/http/security-headers';
import { StaticSite } from '../../src/web/static-site';
import { RunningApp, startApp } from '../support/app';

/** The Content-Security-Policy header as directive → sources. */
function csp(headers: Headers): Record<string, string[]> {
  const value = headers.get('content-security-policy');
  expect(value, 'a Content-Security-Policy header').toBeTruthy();
  return Object.fromEntries(
    value!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

const STRICT = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

function expectBaseline(res: Response): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(res.headers.get('x-powered-by')).toBeNull();
}

const ADMIN = 'headers-admin-token-0123456789';

describe('security headers over plain HTTP', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN });
  });
  afterAll(() => running?.close());

  it('JSON API answers carry nosniff, no framing, no referrer and the strict CSP', async () => {
    for (const path of ['/healthz', '/api/v1/clusters', '/api/docs/openapi.json']) {
      const res = await fetch(`${running.baseUrl}${path}`);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expectBaseline(res);
      expect(csp(res.headers), path).toEqual(STRICT);
    }
  });

  it('errors carry them too: 404s, and refusals made before any route', async () => {
    const responses = [
      await fetch(`${running.baseUrl}/api/v1/no-such-thing`),
      await fetch(`${running.baseUrl}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
    ];
    expect(responses.map((r) => r.status)).toEqual([404, 415]);
    for (const res of responses) {
      expectBaseline(res);
      expect(csp(res.headers)).toEqual(STRICT);
    }
  });

  it('the web UI’s paths get the strict policy, whether a UI build is served there or not', async () => {
    for (const path of ['/', '/index.html', '/applications/some-app']) {
      const res = await fetch(`${running.baseUrl}${path}`);
      expect([200, 404], path).toContain(res.status);
      expectBaseline(res);
      expect(csp(res.headers), path).toEqual(STRICT);
    }
  });

  it('the OpenAPI UI gets inline styles but still only script files from this origin, and its page has no inline script', async () => {
    const res = await fetch(`${running.baseUrl}/api/docs`);
    expect(res.status).toBe(200);
    expectBaseline(res);
    expect(csp(res.headers)).toEqual({ ...STRICT, 'style-src': ["'self'", "'unsafe-inline'"] });
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="(?!https?:|\/\/)[^"]+"/); // a file of this origin
      expect(body.trim()).toBe(''); // nothing inline for script-src 'self' to block
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // no inline event handlers either
    const bundle = await fetch(`${running.baseUrl}/api/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expectBaseline(bundle);
  });

  it('API answers carry Cache-Control: no-store, errors included, whatever refused them', async () => {
    const admin = { authorization: `Bearer ${ADMIN}` };
    const answers: [string, Promise<Response>, number][] = [
      ['list', fetch(`${running.baseUrl}/api/v1/clusters`, { headers: admin }), 200],
      ['one', fetch(`${running.baseUrl}/api/v1/clusters/no-such-cluster`, { headers: admin }), 404],
      ['no route', fetch(`${running.baseUrl}/api/v1/no-such-thing`, { headers: admin }), 404],
      ['no token', fetch(`${running.baseUrl}/api/v1/clusters`), 401],
      ['not JSON', fetch(`${running.baseUrl}/api/v1/tokens`, { method: 'POST', headers: { ...admin, 'content-type': 'text/plain' }, body: 'x' }), 415],
      ['invalid', fetch(`${running.baseUrl}/api/v1/clusters`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: '{"name":"Not A Name"}' }), 400],
      ['upper case', fetch(`${running.baseUrl}/API/V1/clusters`, { headers: admin }), 200],
      ['health', fetch(`${running.baseUrl}/healthz`), 200],
      ['readiness', fetch(`${running.baseUrl}/readyz`), 200],
      ['metrics', fetch(`${running.baseUrl}/metrics`), 200],
    ];
    for (const [what, answer, status] of answers) {
      const res = await answer;
      expect(res.status, what).toBe(status);
      expect(res.headers.get('cache-control'), what).toBe('no-store');
    }
  });

  it('sends no HSTS over plain HTTP, also when a client that is not a trusted proxy claims X-Forwarded-Proto: https', async () => {
    expect((await fetch(`${running.baseUrl}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    expect((await fetch(`${running.baseUrl}/healthz`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('caching of the web UI', () => {
  // the UI build is not always there (npm run build:ui): a small one, served as createApp serves it
  let dir: string;
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let baseUrl: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = express();
    app.use(securityHeaders());
    app.use(StaticSite.load(dir)!.handler());
    app.use((_req, res) => res.status(404).json({ statusCode: 404, error: 'Not Found', message: 'no route' }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its own: hashed assets cached for good, pages revalidated; the API beside them is not stored', async () => {
    const asset = await fetch(`${baseUrl}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    for (const page of ['/', '/index.html', '/applications/some-app']) {
      const res = await fetch(`${baseUrl}${page}`);
      expect(res.status, page).toBe(200);
      expect(res.headers.get('cache-control'), page).toBe('no-cache');
    }
    const api = await fetch(`${baseUrl}/api/v1/applications`);
    expect(api.status).toBe(404);
    expect(api.headers.get('cache-control')).toBe('no-store');
  });
});

describe('HSTS', () => {
  it('is sent over Flotilla’s own TLS', async () => {
    const running = await startApp({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' });
    try {
      for (const path of ['/healthz', '/api/v1/no-such-thing', '/api/docs']) {
        const res = await running.fetch(`${running.baseUrl}${path}`);
        expect(res.headers.get('strict-transport-security'), path).toBe('max-age=31536000');
        expectBaseline(res);
      }
    } finally {
      await running.close();
    }
  });

  it('is sent behind a trusted TLS-terminating proxy that says X-Forwarded-Proto: https, and only then', async () => {
    const running = await startApp({ FLOTILLA_SERVER__TRUSTED_PROXIES: '127.0.0.1' });
    try {
      expect((await fetch(`${running.baseUrl}/healthz`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBe('max-age=31536000');
      expect((await fetch(`${running.baseUrl}/healthz`, { headers: { 'x-forwarded-proto': 'http' } })).headers.get('strict-transport-security')).toBeNull();
      expect((await fetch(`${running.baseUrl}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    } finally {
      await running.close();
    }
  });
});
