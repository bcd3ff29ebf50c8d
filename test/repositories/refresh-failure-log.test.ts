// A refresh that fails upstream answers 502; its log line must say why — the error's kind and
// git's (redacted) message — beside the request id, so an operator can find the cause of the
// answer a client reports. And no credential of the repository reaches that line or any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { freePort } from '../support/ports';

const ADMIN = 'refresh-failure-admin-token-0123456789';
const PASSWORD = 'flotilla-canary-refresh-password-4242';
const HOOK_SECRET = 'flotilla-canary-refresh-hook-secret-4242';

describe('a failed repository refresh', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_GIT__ALLOW_INSECURE_HTTP: 'true' });
  });
  afterAll(() => running?.close());

  it('logs the request id with the error kind and git’s message, and no secret', async () => {
    const admin = apiClient(running.baseUrl, ADMIN);
    // a remote nobody listens on: every fetch fails with "connection refused"
    const url = `http://127.0.0.1:${await freePort()}/acme/gone.git`;
    const created = await admin.post('/api/v1/repositories', {
      name: 'gone',
      url,
      pollIntervalSeconds: 3600,
      auth: { type: 'basic', username: 'deployer', password: PASSWORD },
      webhookSecret: HOOK_SECRET,
    });
    expect(created.status).toBe(201);

    const requestId = 'refresh-failure-log-test-1';
    const refreshed = await admin.call('POST', '/api/v1/repositories/gone/refresh', undefined, { 'x-request-id': requestId });
    expect(refreshed.status).toBe(502);
    expect(refreshed.headers.get('x-request-id')).toBe(requestId);
    const told = refreshed.body.message as string;
    expect(told).toMatch(/^fetching repository gone \(http:\/\/127\.0\.0\.1:\d+\/acme\/gone\.git\) failed: .*(refused|connect)/i);

    const lines = running.logs.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.requestId === requestId && l.msg === 'request failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      method: 'POST',
      path: '/api/v1/repositories/gone/refresh',
      status: 502,
      error: { kind: 'upstream', name: 'FetchError', message: told },
    });
    const logs = running.logs.join('\n');
    expect(logs).toContain('acme/gone.git');
    for (const secret of [PASSWORD, HOOK_SECRET, ADMIN]) expect(logs).not.toContain(secret);
  });
});
