import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient } from '../support/api';
import { startApp } from '../support/app';

describe('API token secrecy', () => {
  it('keeps a created token out of the database files, the logs and the audit log', async () => {
    const running = await startApp({ FLOTILLA_LOG_LEVEL: 'debug' }, { keepDataDir: true });
    const bootstrap = readFileSync(join(running.dataDir, 'admin-token'), 'utf8').trim();
    const admin = apiClient(running.baseUrl, bootstrap);
    const created = await admin.post('/api/v1/tokens', { name: 'secret-keeper', role: 'operator' });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    // flt_<12 hex id>_<secret>; the secret may itself hold '_' (base64url)
    const secretOf = (t: string) => t.slice('flt_'.length + 12 + 1);
    const secretPart = secretOf(token);
    expect(secretPart).toHaveLength(43);
    // use it, fail with a near miss, so every path that sees it runs
    expect((await apiClient(running.baseUrl, token).get('/api/v1/audit')).status).toBe(200);
    expect((await apiClient(running.baseUrl, token.slice(0, -1) + 'x').get('/api/v1/audit')).status).toBe(401);
    const audit = await admin.get('/api/v1/audit?limit=500');
    await running.close();

    for (const file of readdirSync(running.dataDir).filter((f) => f.startsWith('flotilla.sqlite'))) {
      const bytes = readFileSync(join(running.dataDir, file));
      expect(bytes.includes(Buffer.from(secretPart)), `${file} holds the token`).toBe(false);
      expect(bytes.includes(Buffer.from(secretOf(bootstrap))), `${file} holds the bootstrap token`).toBe(false);
    }
    const logs = running.logs.join('\n');
    expect(logs).not.toContain(secretPart);
    expect(logs).toContain('generated the first admin token');
    expect(logs).not.toContain(bootstrap);
    expect(JSON.stringify(audit.body)).not.toContain(secretPart);
    expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual(['auth.failed', 'tokens.create']);
  });
});
