// Failed authentications are limited per client address, and only failures: behind a NAT or an
// ingress every client shares one address, so limiting that address as a whole would let anyone
// lock everyone out with 20 bad tokens or forged webhooks. And the client address is what
// X-Forwarded-For says only when a trusted proxy says it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { signGithub } from '../../src/git';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { freePort } from '../support/ports';

const ADMIN = 'lockout-test-admin-token-0123456789';
const HOOK_SECRET = 'lockout-test-webhook-secret-4711';

interface Sent {
  status: number;
  body: any;
  retryAfter?: string;
}

/** One request from a chosen loopback address (fetch cannot choose one). */
function send(baseUrl: string, from: string, opts: { method?: string; path?: string; token?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Sent> {
  return new Promise((done, fail) => {
    const headers: Record<string, string> = { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers };
    const req = request(`${baseUrl}${opts.path ?? '/api/v1/tokens'}`, { method: opts.method ?? 'GET', localAddress: from, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}

type Entry = { sourceAddress: string | null; outcome: string; action: string };

/** auth.failed entries by source address, read with the admin token (valid tokens always pass) */
async function failuresBySource(admin: ApiClient): Promise<Record<string, number>> {
  const items = (await admin.get<{ items: Entry[] }>('/api/v1/audit?action=auth.failed&limit=500')).body.items;
  const counts: Record<string, number> = {};
  for (const e of items) counts[e.sourceAddress ?? 'null'] = (counts[e.sourceAddress ?? 'null'] ?? 0) + 1;
  return counts;
}

const guess = (i: number) => `flt_000000000000_${String(i).padStart(43, 'x')}`;

describe('failed authentications behind one shared address (default limit, no trusted proxy)', () => {
  let running: RunningApp;
  let admin: ApiClient;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN });
    admin = apiClient(running.baseUrl, ADMIN);
    expect(running.config.security.failedAuthPerMinute).toBe(20);
  });
  afterAll(() => running.close());

  it('lets a valid token through after 25 bad ones from its address, while further bad ones get 429 unaudited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await send(running.baseUrl, '127.0.0.5', { token: guess(i) })).status);
    expect(statuses).toEqual([...Array(20).fill(401), ...Array(5).fill(429)]);

    const valid = await send(running.baseUrl, '127.0.0.5', { token: ADMIN });
    expect(valid.status).toBe(200);
    expect(valid.body.map((t: { name: string }) => t.name)).toEqual([]);
    const bad = await send(running.baseUrl, '127.0.0.5', { token: guess(99) });
    expect(bad.status).toBe(429);
    expect(Number(bad.retryAfter)).toBeGreaterThan(0);
    // the 20 counted failures are audited, the refused ones are not (a flood cannot fill the log)
    expect((await failuresBySource(admin))['127.0.0.5']).toBe(20);
  });

  it('ignores X-Forwarded-For when no proxy is trusted: clients cannot pick the address they are limited and audited under', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      statuses.push((await send(running.baseUrl, '127.0.0.6', { token: guess(i), headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } })).status);
    }
    expect(statuses).toEqual([...Array(20).fill(401), 429]);
    const counts = await failuresBySource(admin);
    expect(counts['127.0.0.6']).toBe(20);
    expect(Object.keys(counts).filter((a) => a.startsWith('203.0.113.'))).toEqual([]);
  });

  it('does not let forged webhooks past the limit block a validly signed push from the same address', async () => {
    const url = `https://127.0.0.1:${await freePort()}/acme/hooked.git`;
    const created = await admin.post('/api/v1/repositories', { name: 'hooked', url, pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { clone_url: url } });
    const push = (signature: string) =>
      send(running.baseUrl, '127.0.0.7', {
        method: 'POST',
        path: '/api/v1/webhooks/git',
        body,
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
      });
    const forged: number[] = [];
    for (let i = 0; i < 25; i++) forged.push((await push(signGithub(body, `forged-secret-${i}`))).status);
    expect(forged).toEqual([...Array(20).fill(401), ...Array(5).fill(429)]);

    const signed = await push(signGithub(body, HOOK_SECRET));
    expect(signed.status, JSON.stringify(signed.body)).toBe(202);
    expect(signed.body).toMatchObject({ accepted: true, repositories: ['hooked'] });
    expect((await push(signGithub(body, 'forged-again'))).status).toBe(429);

    const webhooks = (await admin.get<{ items: Entry[] }>('/api/v1/audit?action=webhooks.git&limit=500')).body.items;
    expect(webhooks.filter((e) => e.outcome === 'rejected')).toHaveLength(20);
    expect(webhooks.filter((e) => e.outcome === 'accepted')).toHaveLength(1);
  });
});

describe('failed authentications behind a trusted proxy', () => {
  let running: RunningApp;
  let admin: ApiClient;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_SERVER__TRUSTED_PROXIES: '127.0.0.1', FLOTILLA_SECURITY__FAILED_AUTH_PER_MINUTE: '3' });
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(() => running.close());

  const viaProxy = (forwardedFor: string, token: string) => send(running.baseUrl, '127.0.0.1', { token, headers: { 'x-forwarded-for': forwardedFor } });

  it('limits each forwarded client on its own and audits it under its forwarded address', async () => {
    const first: number[] = [];
    for (let i = 0; i < 4; i++) first.push((await viaProxy('203.0.113.7', guess(i))).status);
    expect(first).toEqual([401, 401, 401, 429]);
    // another client behind the same proxy is neither blocked nor blamed
    expect((await viaProxy('203.0.113.8', guess(10))).status).toBe(401);
    expect((await viaProxy('203.0.113.7', ADMIN)).status).toBe(200);

    const last = (await admin.get('/api/v1/audit?action=auth.failed&limit=1')).body.items[0];
    expect(last).toMatchObject({ sourceAddress: '203.0.113.8', subject: 'GET /api/v1/tokens' });
    const counts = await failuresBySource(admin);
    expect([counts['203.0.113.7'], counts['203.0.113.8'], counts['127.0.0.1']]).toEqual([3, 1, undefined]);
  });

  it('takes the nearest forwarded address that is not itself a trusted proxy', async () => {
    // a client may put anything first; the trusted proxy appended what it saw, after its own hop
    expect((await viaProxy('198.51.100.1, 203.0.113.9, 127.0.0.1', guess(20))).status).toBe(401);
    expect((await admin.get('/api/v1/audit?action=auth.failed&limit=1')).body.items[0].sourceAddress).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from an address that is not a trusted proxy', async () => {
    const direct = await send(running.baseUrl, '127.0.0.2', { token: guess(30), headers: { 'x-forwarded-for': '203.0.113.10' } });
    expect(direct.status).toBe(401);
    expect((await admin.get('/api/v1/audit?action=auth.failed&limit=1')).body.items[0].sourceAddress).toBe('127.0.0.2');
  });

  it('records the forwarded address on audited calls too', async () => {
    const res = await send(running.baseUrl, '127.0.0.1', {
      method: 'POST',
      token: ADMIN,
      body: JSON.stringify({ name: 'from-behind', role: 'viewer' }),
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.11' },
    });
    expect(res.status).toBe(201);
    expect((await admin.get('/api/v1/audit?action=tokens.create&subject=from-behind')).body.items[0].sourceAddress).toBe('203.0.113.11');
  });
});
