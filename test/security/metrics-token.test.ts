// /metrics behind a bearer token (metrics.token, FLOTILLA_METRICS__TOKEN), as Prometheus scrapes
// with `authorization: { type: Bearer }`: without it, or with another token (an API token
// included), 401 — audited and counted like any failed authentication. Off by default: open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';

const ADMIN = 'metrics-token-admin-token-0123456789';
const METRICS = 'metrics-scrape-token-0123456789';

describe('/metrics with metrics.token set', () => {
  let running: RunningApp;
  const scrape = (authorization?: string) => fetch(`${running.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_METRICS__TOKEN: METRICS, FLOTILLA_SECURITY__FAILED_AUTH_PER_MINUTE: '6' });
  });
  afterAll(() => running?.close());

  it('answers the scrape that carries it', async () => {
    const res = await scrape(`Bearer ${METRICS}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain('flotilla_http_requests_total');
  });

  it('answers 401 without it, with another token of the same length, with an API token, or in another scheme', async () => {
    const wrong = METRICS.slice(0, -1) + (METRICS.endsWith('x') ? 'y' : 'x');
    for (const [what, authorization] of [
      ['no header', undefined],
      ['a wrong token', `Bearer ${wrong}`],
      ['the admin API token', `Bearer ${ADMIN}`],
      ['basic', `Basic ${Buffer.from(`prometheus:${METRICS}`).toString('base64')}`],
      ['no scheme', METRICS],
    ] as const) {
      const res = await scrape(authorization);
      expect(res.status, what).toBe(401);
      expect(res.headers.get('www-authenticate'), what).toBe('Bearer realm="flotilla metrics"');
      expect(res.headers.get('cache-control'), what).toBe('no-store');
      const body = await res.json();
      expect(body, what).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(JSON.stringify(body), what).not.toContain('flotilla_');
    }
  });

  it('leaves /healthz and /readyz open, and audits the failures', async () => {
    expect((await fetch(`${running.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${running.baseUrl}/readyz`)).status).toBe(200);
    const audit = await apiClient(running.baseUrl, ADMIN).get('/api/v1/audit?action=auth.failed&limit=50');
    expect(audit.status).toBe(200);
    const metrics = audit.body.items.filter((e: { subject: string }) => e.subject === 'GET /metrics');
    expect(metrics.length).toBe(5);
    expect(JSON.stringify(metrics)).not.toContain(METRICS);
  });

  it('answers 429 past security.failedAuthPerMinute, and the right token still passes', async () => {
    // five failures so far from this address, the limit is six
    expect((await scrape('Bearer nope-nope-nope-nope')).status).toBe(401);
    const limited = await scrape('Bearer nope-nope-nope-nope');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await scrape(`Bearer ${METRICS}`)).status).toBe(200);
  });
});

describe('/metrics without metrics.token', () => {
  it('is open, as before (the default)', async () => {
    const running = await startApp();
    try {
      expect(running.config.metrics.token).toBeNull();
      const res = await fetch(`${running.baseUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('flotilla_http_requests_total');
    } finally {
      await running.close();
    }
  });

  it('refuses a token that is too short, without echoing it', () => {
    expect(() => loadConfig({ env: { FLOTILLA_METRICS__TOKEN: 'short token' } })).toThrow(
      /metrics\.token: expected 16 to 256 printable characters without spaces, got a value of 11 characters \(from environment variable FLOTILLA_METRICS__TOKEN\)/,
    );
    expect(loadConfig({ env: { FLOTILLA_METRICS__TOKEN: METRICS } }).metrics.token).toBe(METRICS);
  });
});
