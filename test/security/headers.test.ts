// Security headers on every response: API answers, errors, the OpenAPI UI; HSTS only over TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('security headers over plain HTTP', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp();
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

  it('sends no HSTS over plain HTTP, also when a client that is not a trusted proxy claims X-Forwarded-Proto: https', async () => {
    expect((await fetch(`${running.baseUrl}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    expect((await fetch(`${running.baseUrl}/healthz`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBeNull();
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
