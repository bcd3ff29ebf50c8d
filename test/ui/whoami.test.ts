// GET /api/v1/whoami: the web UI shows only the actions the token's role allows, so it asks the
// service who the token is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';

const ADMIN = 'ui-whoami-admin-token-0123456789abcdef';

describe('GET /api/v1/whoami', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await running?.close();
  });

  it("answers the calling token's name and role, for every role, and nothing else", async () => {
    const admin = apiClient(running.baseUrl, ADMIN);
    const adminSelf = await admin.get('/api/v1/whoami');
    expect(adminSelf.status).toBe(200);
    expect(adminSelf.body.role).toBe('admin');
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const created = await admin.post('/api/v1/tokens', { name: `ui-who-${role}`, role });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const me = await apiClient(running.baseUrl, created.body.token).get('/api/v1/whoami');
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ name: `ui-who-${role}`, role });
    }
  });

  it('refuses a missing or revoked token with 401', async () => {
    expect((await apiClient(running.baseUrl).get('/api/v1/whoami')).status).toBe(401);
    const admin = apiClient(running.baseUrl, ADMIN);
    const created = await admin.post('/api/v1/tokens', { name: 'ui-who-gone', role: 'viewer' });
    expect((await admin.delete('/api/v1/tokens/ui-who-gone')).status).toBe(204);
    expect((await apiClient(running.baseUrl, created.body.token).get('/api/v1/whoami')).status).toBe(401);
  });
});
