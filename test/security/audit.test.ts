import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Sqlite from 'better-sqlite3';
import { join } from 'node:path';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';

const ADMIN = 'audit-test-admin-token-0123456789';

type Entry = { seq: number; action: string; subject: string | null };
const subjects = (items: Entry[]) => items.map((e) => e.subject);

describe('the audit log', () => {
  let running: RunningApp;
  let admin: ApiClient;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN });
    admin = apiClient(running.baseUrl, ADMIN);
  });
  afterAll(() => running.close());

  it('records mutating calls with actor, action, subject, outcome, source address and request id', async () => {
    const created = await admin.call('POST', '/api/v1/tokens', { name: 'audited', role: 'viewer' }, { 'x-request-id': 'audit-req-1' });
    expect(created.status).toBe(201);
    const page = await admin.get('/api/v1/audit?action=tokens.create&subject=audited');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0]).toMatchObject({
      actor: 'bootstrap-admin',
      role: 'admin',
      action: 'tokens.create',
      subject: 'audited',
      outcome: 'success',
      sourceAddress: '127.0.0.1',
      requestId: 'audit-req-1',
      details: { method: 'POST', path: '/api/v1/tokens', status: 201, body: { name: 'audited', role: 'viewer' } },
    });
  });

  it('records failed authentications and refused calls', async () => {
    const refused = await apiClient(running.baseUrl, 'wrong-token-wrong-token').get('/api/v1/tokens');
    expect(refused.status).toBe(401);
    const page = await admin.get('/api/v1/audit?action=auth.failed&limit=1');
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0]).toMatchObject({ actor: 'anonymous', outcome: 'denied', subject: 'GET /api/v1/tokens', details: { reason: 'invalid or revoked token' } });
    const bad = await admin.post('/api/v1/tokens', { name: 'Not_A_Name', role: 'viewer' });
    expect(bad.status).toBe(400);
    const failed = await admin.get('/api/v1/audit?action=tokens.create&limit=1');
    expect(failed.body.items).toHaveLength(1);
    expect(failed.body.items[0]).toMatchObject({ subject: 'Not_A_Name', outcome: 'failure', details: { status: 400 } });
    expect(failed.body.items[0].details.error).toContain('name must be a DNS-1123 label');
  });

  it('pages newest first with a cursor, without gaps or overlaps, and filters by time', async () => {
    const pause = () => new Promise((r) => setTimeout(r, 5));
    expect((await admin.post('/api/v1/tokens', { name: 'page-before', role: 'viewer' })).status).toBe(201);
    await pause();
    const start = new Date();
    await pause();
    for (let i = 0; i < 5; i++) expect((await admin.post('/api/v1/tokens', { name: `page-${i}`, role: 'viewer' })).status).toBe(201);
    const first = await admin.get('/api/v1/audit?action=tokens.create&limit=2');
    expect(subjects(first.body.items)).toEqual(['page-4', 'page-3']);
    expect(first.body.nextCursor).toBe(String(first.body.items[1].seq));
    const second = await admin.get(`/api/v1/audit?action=tokens.create&limit=2&cursor=${first.body.nextCursor}`);
    expect(subjects(second.body.items)).toEqual(['page-2', 'page-1']);
    expect(second.body.items[0].seq).toBeLessThan(first.body.items[1].seq);

    const since = await admin.get(`/api/v1/audit?action=tokens.create&since=${encodeURIComponent(start.toISOString())}`);
    expect(since.body).toMatchObject({ nextCursor: null });
    expect(subjects(since.body.items)).toEqual(['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    const until = await admin.get(`/api/v1/audit?action=tokens.create&until=${encodeURIComponent(start.toISOString())}&limit=500`);
    expect(subjects(until.body.items).filter((s) => s?.startsWith('page-'))).toEqual(['page-before']);
    const future = await admin.get(`/api/v1/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body).toEqual({ items: [], nextCursor: null });
    expect((await admin.get('/api/v1/audit?cursor=-1')).status).toBe(400);
  });

  it('keeps one unforked chain under 200 concurrent audited requests', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => admin.post('/api/v1/tokens', { name: `burst-${i}`, role: 'viewer' })));
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(201));
    const verify = await admin.get('/api/v1/audit/verify');
    expect(verify.body.ok).toBe(true);
    expect(verify.body.entries).toBeGreaterThanOrEqual(200);
    const db = new Sqlite(join(running.dataDir, 'flotilla.sqlite'), { readonly: true });
    const { n, uniq, bursts } = db.prepare(`SELECT COUNT(*) AS n, COUNT(DISTINCT prevHash) AS uniq, SUM(subject LIKE 'burst-%') AS bursts FROM audit_entries`).get() as {
      n: number;
      uniq: number;
      bursts: number;
    };
    db.close();
    expect(bursts).toBe(200);
    expect(n).toBe(verify.body.entries);
    expect(uniq).toBe(n);
  });
});

describe('a tampered audit log', () => {
  let running: RunningApp;
  let admin: ApiClient;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN });
    admin = apiClient(running.baseUrl, ADMIN);
    for (let i = 0; i < 15; i++) expect((await admin.post('/api/v1/tokens', { name: `chain-${i}`, role: 'viewer' })).status).toBe(201);
  });
  afterAll(() => running.close());

  it('reports the first bad entry after a row is edited, then after one is deleted', async () => {
    const before = await admin.get('/api/v1/audit/verify');
    expect(before.body.ok).toBe(true);
    expect(before.body.entries).toBeGreaterThanOrEqual(15);
    const db = new Sqlite(join(running.dataDir, 'flotilla.sqlite'));
    try {
      // someone with the file: triggers are no obstacle to them, the chain is
      db.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;');
      const { actor } = db.prepare('SELECT actor FROM audit_entries WHERE seq = 7').get() as { actor: string };
      expect(db.prepare(`UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 7`).run().changes).toBe(1);
      const edited = await admin.get('/api/v1/audit/verify');
      expect(edited.body).toEqual({ ok: false, entries: 6, firstBadSeq: 7 });

      db.prepare('UPDATE audit_entries SET actor = ? WHERE seq = 7').run(actor);
      expect((await admin.get('/api/v1/audit/verify')).body).toEqual({ ok: true, entries: before.body.entries });

      expect(db.prepare('DELETE FROM audit_entries WHERE seq = 12').run().changes).toBe(1);
    } finally {
      db.close();
    }
    expect((await admin.get('/api/v1/audit/verify')).body).toEqual({ ok: false, entries: 11, firstBadSeq: 12 });
  });
});
