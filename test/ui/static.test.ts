// The service serves the built UI at / (src/web): files from ui/dist, index.html for page paths,
// while /api keeps its JSON 404s, all under the strict Content Security Policy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApp, startApp } from '../support/app';
import { ensureUiBuilt, ROOT } from './build';

describe('the web UI, served by the service', () => {
  let running: RunningApp;
  let index: string;
  beforeAll(async () => {
    await ensureUiBuilt();
    index = readFileSync(join(ROOT, 'ui', 'dist', 'index.html'), 'utf8');
    running = await startApp({ FLOTILLA_LOG_LEVEL: 'warn' });
  }, 600_000);
  afterAll(async () => {
    await running?.close();
  });

  it('answers / and every page path with index.html, revalidated each time, under the strict CSP', async () => {
    for (const path of ['/', '/applications/web', '/applications/web/targets/east/web', '/clusters', '/audit?action=x']) {
      const res = await fetch(`${running.baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toBe(index);
    }
    // nothing inline for the policy to block
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(index).not.toMatch(/<style|style=/);
  });

  it('serves the hashed assets for good, with ETags and gzip, and 404s what it does not have', async () => {
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(index)![1];
    const res = await fetch(`${running.baseUrl}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = await res.text();
    expect(body).toBe(readFileSync(join(ROOT, 'ui', 'dist', script), 'utf8'));
    // React's production build, even when the build ran under a test runner's NODE_ENV
    expect(body).not.toContain('jsxDEV');
    const again = await fetch(`${running.baseUrl}${script}`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
    // undici's fetch decodes gzip itself: ask over node:http's view of the bytes instead
    const { get } = await import('node:http');
    const raw = await new Promise<{ encoding?: string; bytes: Buffer }>((done, fail) => {
      get(`${running.baseUrl}${script}`, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done({ encoding: r.headers['content-encoding'], bytes: Buffer.concat(chunks) }));
      }).on('error', fail);
    });
    expect(raw.encoding).toBe('gzip');
    expect(gunzipSync(raw.bytes).toString('utf8')).toBe(body);

    expect((await fetch(`${running.baseUrl}/assets/nothing-here.js`)).status).toBe(404);
    expect((await fetch(`${running.baseUrl}/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
    expect((await fetch(`${running.baseUrl}/missing.png`)).status).toBe(404);
  });

  it('leaves /api, /healthz and /metrics to the service: unknown API paths stay JSON 404s', async () => {
    const res = await fetch(`${running.baseUrl}/api/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await fetch(`${running.baseUrl}/api`)).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await fetch(`${running.baseUrl}/healthz`)).status).toBe(200);
    const post = await fetch(`${running.baseUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(404);
  });
});
