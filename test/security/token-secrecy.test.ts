import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient } from '../support/api';
import { startApp } from '../support/app';

describe('API token secrecy', () => {
  it('keeps a created token out of the database files, the logs and the audit log', async () => {
    const running = await startApp({ FLOTILLA_LOG_LEVEL: 'debug' }, { keepDataDir: true });
    let closed = false;
    try {
      const bootstrap = readFileSync(join(running.dataDir, 'admin-token'), 'utf8').trim();
      const admin = apiClient(running.baseUrl, bootstrap);
      const created = await admin.post('/api/v1/tokens', { name: 'secret-keeper', role: 'operator' });
      expect(created.status).toBe(201);
      const token: string = created.body.token;
      // flt_<12 hex id>_<secret>; the secret may itself hold '_' (base64url)
      expect(token).toMatch(/^flt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(bootstrap).toMatch(/^flt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      const idOf = (t: string) => t.slice('flt_'.length, 'flt_'.length + 12);
      const secretOf = (t: string) => t.slice('flt_'.length + 12 + 1);
      const secrets = { 'the token': secretOf(token), 'the bootstrap token': secretOf(bootstrap) };
      // use it, fail with a near miss, so every path that sees it runs
      expect((await apiClient(running.baseUrl, token).get('/api/v1/audit')).status).toBe(200);
      expect((await apiClient(running.baseUrl, token.slice(0, -1) + 'x').get('/api/v1/audit')).status).toBe(401);
      const audit = await admin.get('/api/v1/audit?limit=500');
      expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual(['auth.failed', 'tokens.create']);

      const databaseFiles = () =>
        readdirSync(running.dataDir)
          .filter((f) => f.startsWith('flotilla.sqlite'))
          .map((f): [string, Buffer] => [f, readFileSync(join(running.dataDir, f))]);
      const sweep = (files: [string, Buffer][]) => {
        const names = files.map(([f]) => f);
        expect(names).toContain('flotilla.sqlite');
        const all = Buffer.concat(files.map(([, bytes]) => bytes));
        // the sweep reads the rows the token lives in: its name and id are stored in clear
        expect(all.includes('secret-keeper'), `"secret-keeper" in ${names.join(', ')}`).toBe(true);
        expect(all.includes(idOf(token)), `the token id in ${names.join(', ')}`).toBe(true);
        return files.flatMap(([file, bytes]) =>
          Object.entries(secrets)
            .filter(([, s]) => bytes.includes(s))
            .map(([what]) => `${what} in ${file}`),
        );
      };
      const live = databaseFiles();
      expect(live.map(([f]) => f)).toContain('flotilla.sqlite-wal');
      expect(sweep(live)).toEqual([]);
      await running.close();
      closed = true;
      expect(sweep(databaseFiles())).toEqual([]);

      const logs = running.logs.join('\n');
      expect(logs).toContain('generated the first admin token');
      expect(logs).toContain('"path":"/api/v1/tokens"');
      for (const secret of Object.values(secrets)) expect(logs.includes(secret), 'a secret in the logs').toBe(false);
      const auditText = JSON.stringify(audit.body);
      expect(auditText).toContain('secret-keeper');
      for (const secret of Object.values(secrets)) expect(auditText.includes(secret), 'a secret in the audit log').toBe(false);
    } finally {
      if (!closed) await running.close();
      rmSync(running.dataDir, { recursive: true, force: true });
    }
  });
});
