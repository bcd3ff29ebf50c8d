// What the git webhook receiver tells whoever calls it. It is public (no API token), so its
// answers must not reveal which repository URLs are registered: an unknown URL, a registered one
// with a wrong signature and one without a webhook secret are answered alike, byte for byte.
// Only the audit log, which admins and viewers read, keeps the precise reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGithub } from '../../src/git';
import { apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { freePort } from '../support/ports';

const ADMIN = 'webhook-answers-admin-token-0123456789';
const HOOK_SECRET = 'webhook-answers-secret-0123456789';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

describe('the git webhook receiver', () => {
  let running: RunningApp;
  let hooked: string;
  let unsecured: string;

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true' });
    const admin = apiClient(running.baseUrl, ADMIN);
    // remotes nobody serves: registration stores them with a failed first fetch, enough here
    const port = await freePort();
    hooked = `http://127.0.0.1:${port}/acme/hooked.git`;
    unsecured = `http://127.0.0.1:${port}/acme/unsecured.git`;
    expect((await admin.post('/api/v1/repositories', { name: 'hooked', url: hooked, pollIntervalSeconds: 3600, webhookSecret: HOOK_SECRET })).status).toBe(201);
    expect((await admin.post('/api/v1/repositories', { name: 'unsecured', url: unsecured, pollIntervalSeconds: 3600 })).status).toBe(201);
  });
  afterAll(() => running?.close());

  /** A GitHub push naming `url`, signed with `secret`, answered as raw bytes. */
  async function push(url: string, secret: string): Promise<RawAnswer> {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { clone_url: url } });
    const res = await fetch(`${running.baseUrl}/api/v1/webhooks/git`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd1', 'x-hub-signature-256': signGithub(body, secret) },
      body,
    });
    const headers = Object.fromEntries([...res.headers].filter(([k]) => !['date', 'x-request-id'].includes(k)));
    return { status: res.status, headers, body: await res.text() };
  }

  it('answers an unknown repository URL exactly as a wrong signature or a repository without a secret', async () => {
    const wrongSignature = await push(hooked, 'not-the-secret-not-the-secret');
    const unknownUrl = await push('http://127.0.0.1:9/nobody/unknown.git', HOOK_SECRET);
    const noSecret = await push(unsecured, HOOK_SECRET);
    expect(wrongSignature.status).toBe(401);
    expect(JSON.parse(wrongSignature.body)).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    // byte for byte, with every header but the date and the request id
    expect(unknownUrl).toEqual(wrongSignature);
    expect(noSecret).toEqual(wrongSignature);
    // and it is a real check: the right secret is accepted
    expect((await push(hooked, HOOK_SECRET)).status).toBe(202);

    const audit = await apiClient(running.baseUrl, ADMIN).get('/api/v1/audit?action=webhooks.git&limit=10');
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((e: { outcome: string }) => e.outcome)).toEqual(['accepted', 'rejected', 'rejected', 'rejected']);
  });
});
