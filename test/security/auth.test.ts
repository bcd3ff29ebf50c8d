import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { AuditLog } from '../../src/audit/audit-log';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';

type Role = 'viewer' | 'operator' | 'admin';
/** routes that authenticate otherwise (the git webhook receiver checks signatures) */
const PUBLIC = 'public';
const ADMIN = 'auth-test-admin-token-0123456789abcdef';

/**
 * The least role of every route. The first test checks this table against the routes the app
 * really serves (its OpenAPI document), so a new route cannot escape the matrix.
 */
const REQUIRED: Record<string, Role | typeof PUBLIC> = {
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /metrics': PUBLIC,
  'POST /api/v1/webhooks/git': PUBLIC,
  'GET /api/v1/repositories': 'viewer',
  'POST /api/v1/repositories': 'admin',
  'GET /api/v1/repositories/{name}': 'viewer',
  'PATCH /api/v1/repositories/{name}': 'admin',
  'DELETE /api/v1/repositories/{name}': 'admin',
  'POST /api/v1/repositories/{name}/refresh': 'operator',
  'GET /api/v1/tokens': 'viewer',
  'POST /api/v1/tokens': 'admin',
  'DELETE /api/v1/tokens/{name}': 'admin',
  'GET /api/v1/audit': 'viewer',
  'GET /api/v1/audit/verify': 'viewer',
  'GET /api/v1/audit/head': 'viewer',
  'GET /api/v1/clusters': 'viewer',
  'POST /api/v1/clusters': 'admin',
  'GET /api/v1/clusters/{name}': 'viewer',
  'PATCH /api/v1/clusters/{name}': 'admin',
  'DELETE /api/v1/clusters/{name}': 'admin',
  'POST /api/v1/clusters/{name}/check': 'operator',
  'GET /api/v1/applications': 'viewer',
  'GET /api/v1/fleet': 'viewer',
  'POST /api/v1/applications': 'admin',
  'GET /api/v1/applications/{name}': 'viewer',
  'PATCH /api/v1/applications/{name}': 'admin',
  'DELETE /api/v1/applications/{name}': 'admin',
  'POST /api/v1/applications/{name}/sync': 'operator',
  'GET /api/v1/applications/{name}/diff': 'viewer',
  'GET /api/v1/applications/{name}/history': 'viewer',
  'POST /api/v1/applications/{name}/rollback': 'operator',
  'GET /api/v1/applications/{name}/rollout': 'viewer',
  'POST /api/v1/applications/{name}/rollout/pause': 'operator',
  'POST /api/v1/applications/{name}/rollout/resume': 'operator',
  'POST /api/v1/applications/{name}/rollout/approve': 'operator',
  'POST /api/v1/applications/{name}/rollout/promote': 'operator',
  'POST /api/v1/applications/{name}/rollout/abort': 'operator',
  'GET /api/v1/channels': 'viewer',
  'POST /api/v1/channels': 'admin',
  'GET /api/v1/channels/{name}': 'viewer',
  'PATCH /api/v1/channels/{name}': 'admin',
  'DELETE /api/v1/channels/{name}': 'admin',
  'POST /api/v1/channels/{name}/test': 'operator',
  'GET /api/v1/channels/{name}/deliveries': 'viewer',
  'POST /api/v1/channels/{name}/deliveries/{id}/redeliver': 'admin',
  'GET /api/v1/events': 'viewer',
  'GET /api/v1/whoami': 'viewer',
  'GET /api/v1/applications/{name}/targets/{cluster}/{namespace}/tree': 'viewer',
  'GET /api/v1/applications/{name}/targets/{cluster}/{namespace}/object': 'viewer',
  'GET /api/v1/summaries/runs': 'viewer',
  'GET /api/v1/summaries/health': 'viewer',
  'GET /api/v1/applications/{name}/summaries/runs': 'viewer',
  'GET /api/v1/channels/{name}/summaries/deliveries': 'viewer',
};
const RANK: Role[] = ['viewer', 'operator', 'admin'];

function concrete(route: string): { method: string; path: string } {
  const [method, path] = route.split(' ');
  return { method, path: path.replace(/\{[^}]+\}/g, 'no-such-name') };
}

describe('authentication and roles', () => {
  let running: RunningApp;
  let admin: ApiClient;
  const tokens: Record<Role, string> = { viewer: '', operator: '', admin: ADMIN };

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_SECURITY__FAILED_AUTH_PER_MINUTE: '1000' });
    admin = apiClient(running.baseUrl, ADMIN);
    for (const role of ['viewer', 'operator'] as const) tokens[role] = (await admin.post('/api/v1/tokens', { name: `matrix-${role}`, role })).body.token;
  });
  afterAll(() => running.close());

  it('has a required role for every route the API serves', async () => {
    const doc = (await apiClient(running.baseUrl).get('/api/docs/openapi.json')).body;
    const served = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(served.sort()).toEqual(Object.keys(REQUIRED).sort());
  });

  it('lets health, readiness and metrics through without a token', async () => {
    const publicGets = Object.keys(REQUIRED).filter((route) => REQUIRED[route] === PUBLIC && route.startsWith('GET '));
    expect(publicGets).toEqual(['GET /healthz', 'GET /readyz', 'GET /metrics']);
    for (const route of publicGets) {
      const res = await apiClient(running.baseUrl).call('GET', concrete(route).path);
      expect(res.status, `${route}: ${JSON.stringify(res.body)}`).toBe(200);
    }
  });

  it('lets the public git webhook receiver through without a token, to its own signature check', async () => {
    const res = await apiClient(running.baseUrl).call('POST', '/api/v1/webhooks/git', {});
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('not a GitHub, GitLab or Gitea/Forgejo webhook');
  });

  it.each(Object.entries(REQUIRED).filter(([, r]) => r !== PUBLIC) as [string, Role][])(
    '%s: refused without a token (401), refused below %s (403), allowed from it on',
    async (route, required) => {
      const { method, path } = concrete(route);
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const anonymous = await apiClient(running.baseUrl).call(method, path, body);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.message).toBe('an Authorization: Bearer <token> header is required');
      for (const role of RANK) {
        const res = route === 'GET /api/v1/events' ? await openStream(path, tokens[role]) : await apiClient(running.baseUrl, tokens[role]).call(method, path, body);
        if (RANK.indexOf(role) < RANK.indexOf(required)) {
          expect(res.status, `${role} on ${route}`).toBe(403);
          expect(res.body.message).toContain(`needs ${required}`);
        } else {
          // past the gate: the handler answers (400 for the empty body, 404 for no-such-name), never in error
          expect([401, 403], `${role} on ${route} got ${res.status}`).not.toContain(res.status);
          expect(res.status, `${role} on ${route}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
        }
      }
    },
  );

  /** an event stream never ends: its status and first bytes are the answer */
  async function openStream(path: string, token: string) {
    const abort = new AbortController();
    const res = await fetch(`${running.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    const first = res.status === 200 ? new TextDecoder().decode((await res.body!.getReader().read()).value) : await res.text();
    abort.abort();
    return { status: res.status, body: res.status === 200 ? first : JSON.parse(first) };
  }

  it('answers 401 to a malformed, unknown or revoked token', async () => {
    const unknown = await apiClient(running.baseUrl, 'flt_000000000000_' + 'A'.repeat(43)).get('/api/v1/tokens');
    expect([unknown.status, unknown.body.message]).toEqual([401, 'invalid or revoked token']);
    const basic = await apiClient(running.baseUrl).call('GET', '/api/v1/tokens', undefined, { authorization: 'Basic abc' });
    expect([basic.status, basic.body.message]).toEqual([401, 'an Authorization: Bearer <token> header is required']);
    const temp = (await admin.post('/api/v1/tokens', { name: 'short-lived', role: 'admin' })).body.token;
    const before = await apiClient(running.baseUrl, temp).get('/api/v1/tokens');
    expect(before.status).toBe(200);
    expect(before.body.map((t: { name: string }) => t.name)).toContain('short-lived');
    expect((await admin.delete('/api/v1/tokens/short-lived')).status).toBe(204);
    const revoked = await apiClient(running.baseUrl, temp).get('/api/v1/tokens');
    expect([revoked.status, revoked.body.message]).toEqual([401, 'invalid or revoked token']);
    const again = await admin.delete('/api/v1/tokens/short-lived');
    expect([again.status, again.body.message]).toEqual([404, 'token "short-lived" not found']);
  });

  it('lists tokens without their secrets and shows a token only once', async () => {
    const created = await admin.post('/api/v1/tokens', { name: 'listed', role: 'operator' });
    expect(created.body.token).toMatch(/^flt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const list = await admin.get('/api/v1/tokens');
    const entry = list.body.find((t: { name: string }) => t.name === 'listed');
    expect(entry).toEqual({ name: 'listed', role: 'operator', createdBy: 'bootstrap-admin', createdAt: expect.any(String), lastUsedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await admin.post('/api/v1/tokens', { name: 'listed', role: 'viewer' })).status).toBe(409);
  });

  it('answers 404, never 500, to unknown routes, with or without a token', async () => {
    expect((await apiClient(running.baseUrl).get('/api/v1/nothing-here')).status).toBe(404);
    expect((await admin.call('PUT', '/api/v1/tokens/x', {})).status).toBe(404);
  });
});

function getFrom(localAddress: string, url: string, token: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { localAddress, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      done({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
    });
    req.on('error', fail);
    req.end();
  });
}

describe('failed-authentication limiting', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_SECURITY__FAILED_AUTH_PER_MINUTE: '5' });
  });
  afterAll(() => running.close());

  it('answers 429 to the failures of an address past the limit, never to its valid tokens, and only for that address', async () => {
    const url = `${running.baseUrl}/api/v1/tokens`;
    for (let i = 0; i < 20; i++) expect((await getFrom('127.0.0.1', url, ADMIN)).status).toBe(200); // good tokens never count
    for (let i = 0; i < 5; i++) expect((await getFrom('127.0.0.1', url, `guess-${i}-xxxxxxxxxxxxxxxx`)).status).toBe(401);
    const blocked = await getFrom('127.0.0.1', url, 'guess-6-xxxxxxxxxxxxxxxx');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    // behind a NAT or an ingress everyone shares the address: a valid token must still pass
    expect((await getFrom('127.0.0.1', url, ADMIN)).status).toBe(200);
    expect((await getFrom('127.0.0.1', url, 'guess-7-xxxxxxxxxxxxxxxx')).status).toBe(429);
    // another loopback address is not affected
    expect((await getFrom('127.0.0.2', url, 'guess-8-xxxxxxxxxxxxxxxx')).status).toBe(401);
  });

  it('counts bad webhook signatures as failed authentications and stops auditing them past the limit', async () => {
    // 127.0.0.1 may be blocked by the test above: read the audit log through its service, and
    // send from addresses of this test's own
    const audit = running.app.get(AuditLog);
    const webhookEntries = async () => (await audit.list({ action: 'webhooks.git', limit: 500 })).items.length;
    const unsigned = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { clone_url: 'https://example.invalid/x.git' } });
    const post = (address: string) =>
      new Promise<number>((done, fail) => {
        const req = request(
          `${running.baseUrl}/api/v1/webhooks/git`,
          {
            method: 'POST',
            localAddress: address,
            headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': 'sha256=00' },
          },
          (res) => {
            res.resume();
            done(res.statusCode ?? 0);
          },
        );
        req.on('error', fail);
        req.end(unsigned);
      });
    const before = await webhookEntries();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await post('127.0.0.3'));
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(7).fill(429));
    expect((await webhookEntries()) - before).toBe(5);
    expect(await post('127.0.0.4')).toBe(401);
  });
});
