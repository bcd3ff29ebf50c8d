// The audit chain against someone who holds a copy of the database file but not the secret key:
// they can drop the append-only triggers, edit entries and recompute every later hash with any
// recipe they know, or cut entries off the end. Each edit is made in a copy of the real SQLite
// file, and a second instance started on that copy (with the same secret key) must notice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Sqlite from 'better-sqlite3';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAIN_KEY_LABEL, entryHash, GENESIS_HASH } from '../../src/audit/audit-chain';
import { canonicalJson } from '../../src/audit/canonical-json';
import { SecretBox } from '../../src/security/secret-box';
import { ApiClient, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';

const ADMIN = 'audit-chain-test-admin-token-0123456789';
const SECRET_KEY = randomBytes(32);
// checkpoints off: these tests are about what the chain alone shows (checkpoints, on by default,
// are audit-checkpoints.test.ts's)
const ENV = { FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_SECRET_KEY: SECRET_KEY.toString('base64'), FLOTILLA_AUDIT__CHECKPOINT_FILE: '' };

type Row = Record<string, unknown> & { seq: number; prevHash: string; hash: string };
type Recipe = (prevHash: string, fields: Record<string, unknown>) => string;

/** the recipe before the chain was keyed: public, so anyone can recompute it */
const publicSha256: Recipe = (prevHash, fields) => createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
const hmacUnder =
  (key: Buffer): Recipe =>
  (prevHash, fields) =>
    createHmac('sha256', key).update(prevHash).update(canonicalJson(fields)).digest('hex');

/** Re-links and re-hashes every entry from `fromSeq` on with `recipe`, as an attacker would. */
function recomputeFrom(db: Sqlite.Database, fromSeq: number, recipe: Recipe): void {
  const rows = db.prepare('SELECT * FROM audit_entries WHERE seq >= ? ORDER BY seq').all(fromSeq) as Row[];
  let prev = fromSeq === 1 ? GENESIS_HASH : (db.prepare('SELECT hash FROM audit_entries WHERE seq = ?').get(fromSeq - 1) as { hash: string }).hash;
  const update = db.prepare('UPDATE audit_entries SET prevHash = ?, hash = ? WHERE seq = ?');
  for (const { hash: _hash, prevHash: _prev, ...fields } of rows) {
    const hash = recipe(prev, fields);
    update.run(prev, hash, fields.seq);
    prev = hash;
  }
}

describe('a keyed audit chain, attacked in a copy of its database file', () => {
  let running: RunningApp;
  let admin: ApiClient;
  const copies: RunningApp[] = [];
  /** the entries written before the tests */
  let entries: number;

  beforeAll(async () => {
    running = await startApp(ENV);
    admin = apiClient(running.baseUrl, ADMIN);
    for (let i = 0; i < 15; i++) expect((await admin.post('/api/v1/tokens', { name: `chain-${i}`, role: 'viewer' })).status).toBe(201);
    const verified = await admin.get('/api/v1/audit/verify');
    expect(verified.body.ok).toBe(true);
    entries = verified.body.entries;
    expect(entries).toBe(15);
  });
  afterAll(async () => {
    for (const c of copies) {
      await c.close();
      rmSync(c.dataDir, { recursive: true, force: true });
    }
    await running.close();
  });

  /** A consistent copy of the live database, edited without the triggers, served by a second instance. */
  async function tamperedCopy(edit: (db: Sqlite.Database) => void): Promise<ApiClient> {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-audit-copy-'));
    const source = new Sqlite(join(running.dataDir, 'flotilla.sqlite'), { readonly: true });
    await source.backup(join(dir, 'flotilla.sqlite'));
    source.close();
    const db = new Sqlite(join(dir, 'flotilla.sqlite'));
    try {
      db.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;');
      edit(db);
    } finally {
      db.close();
    }
    const copy = await startApp(ENV, { dataDir: dir });
    copies.push(copy);
    return apiClient(copy.baseUrl, ADMIN);
  }

  const editActor = (db: Sqlite.Database) => expect(db.prepare(`UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 7`).run().changes).toBe(1);

  it('serves its head, and verifies against it as an anchor', async () => {
    const head = await admin.get('/api/v1/audit/head');
    const newest = (await admin.get('/api/v1/audit?limit=1')).body.items[0];
    expect(head.status).toBe(200);
    expect(head.body).toEqual({ seq: newest.seq, hash: newest.hash });
    expect((await admin.get(`/api/v1/audit/verify?anchor=${head.body.seq}:${head.body.hash}`)).body).toEqual({ ok: true, entries: head.body.seq });

    const forged = await admin.get(`/api/v1/audit/verify?anchor=5:${'ab'.repeat(32)}`);
    expect(forged.body).toEqual({ ok: false, entries: 4, firstBadSeq: 5, reason: 'entry 5 differs from the anchor' });
    const ahead = await admin.get(`/api/v1/audit/verify?anchor=${head.body.seq + 1}:${head.body.hash}`);
    expect(ahead.body).toMatchObject({ ok: false, entries: head.body.seq, firstBadSeq: head.body.seq + 1 });
    for (const bad of ['5', `x:${head.body.hash}`, `5:${head.body.hash.toUpperCase()}`, `0:${head.body.hash}`]) {
      const res = await admin.get(`/api/v1/audit/verify?anchor=${encodeURIComponent(bad)}`);
      expect([res.status, res.body.message], bad).toEqual([400, ['anchor must be <seq>:<hash> as GET /api/v1/audit/head answers it']]);
    }
  });

  it('finds an entry edited and every later hash recomputed with the old public recipe', async () => {
    const copy = await tamperedCopy((db) => {
      editActor(db);
      recomputeFrom(db, 7, publicSha256);
    });
    // the copy holds the edit (so the verification below reads what was changed)
    expect((await copy.get('/api/v1/audit?limit=500')).body.items.find((e: { seq: number }) => e.seq === 7).actor).toBe('someone-else');
    expect((await copy.get('/api/v1/audit/verify')).body).toEqual({ ok: false, entries: 6, firstBadSeq: 7 });
  });

  it('finds an entry edited and every later hash recomputed with the right recipe under a wrong key', async () => {
    const wrong = await tamperedCopy((db) => {
      editActor(db);
      recomputeFrom(db, 7, hmacUnder(randomBytes(32)));
    });
    expect((await wrong.get('/api/v1/audit/verify')).body).toEqual({ ok: false, entries: 6, firstBadSeq: 7 });
  });

  it('finds even a rewrite by someone holding the key, given an anchor taken before it: an anchor vouches for every entry up to it', async () => {
    const head = (await admin.get('/api/v1/audit/head')).body as { seq: number; hash: string };
    const key = new SecretBox(SECRET_KEY).deriveKey(CHAIN_KEY_LABEL);
    const insider = await tamperedCopy((db) => {
      editActor(db);
      recomputeFrom(db, 7, (prevHash, fields) => entryHash(key, { ...(fields as any), prevHash }));
    });
    // the key recomputes a chain that verifies (so the attacks above fail for want of the key,
    // not for a slip in how this test rewrites the chain) ...
    expect((await insider.get('/api/v1/audit/verify')).body).toEqual({ ok: true, entries });
    // ... but each hash commits to the one before it, so the anchored head differs
    expect((await insider.get(`/api/v1/audit/verify?anchor=${head.seq}:${head.hash}`)).body).toEqual({
      ok: false,
      entries: head.seq - 1,
      firstBadSeq: head.seq,
      reason: `entry ${head.seq} differs from the anchor`,
    });
  });

  it('finds a row whose prevHash column alone was patched', async () => {
    const copy = await tamperedCopy((db) => expect(db.prepare('UPDATE audit_entries SET prevHash = ? WHERE seq = 9').run('cd'.repeat(32)).changes).toBe(1));
    expect((await copy.get('/api/v1/audit/verify')).body).toEqual({ ok: false, entries: 8, firstBadSeq: 9 });
  });

  it('finds the newest entries removed when given an anchor taken before; the chain alone cannot', async () => {
    const head = (await admin.get('/api/v1/audit/head')).body as { seq: number; hash: string };
    const kept = head.seq - 3;
    const copy = await tamperedCopy((db) => expect(db.prepare('DELETE FROM audit_entries WHERE seq > ?').run(kept).changes).toBe(3));
    // what is left is a valid chain: without an anchor, nothing shows the cut
    expect((await copy.get('/api/v1/audit/verify')).body).toEqual({ ok: true, entries: kept });
    expect((await copy.get(`/api/v1/audit/verify?anchor=${head.seq}:${head.hash}`)).body).toEqual({
      ok: false,
      entries: kept,
      firstBadSeq: kept + 1,
      reason: `the anchor names entry ${head.seq}, but the log ends at entry ${kept}: entries were removed from its end`,
    });
  });
});
