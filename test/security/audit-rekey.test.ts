// A database written before the chain was keyed: its unkeyed SHA-256 chain is re-hashed under
// the key at start-up, once, and only when it verifies under the old recipe.
import { afterEach, describe, expect, it } from 'vitest';
import Sqlite from 'better-sqlite3';
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditKeyedChain1795668173574 } from '../../migrations/1795668173574-AuditKeyedChain';
import { MIGRATIONS } from '../../migrations';
import { createApp } from '../../src/app.factory';
import { canonicalJson } from '../../src/audit/canonical-json';
import { createRootLogger } from '../../src/common/logging/logger';
import { loadConfig } from '../../src/config/app-config';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { openDatabase } from '../../src/database/database';
import { ENTITIES } from '../../src/entities';
import { apiClient } from '../support/api';
import { startApp } from '../support/app';

const ADMIN = 'audit-rekey-test-admin-token-0123456789';
const SECRET_KEY = randomBytes(32);
const ENV = { FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_SECRET_KEY: SECRET_KEY.toString('base64') };
const GENESIS = '0'.repeat(64);

type Row = { seq: number; at: string; actor: string; role: string | null; action: string; subject: string | null; outcome: string; sourceAddress: string | null; requestId: string | null; details: string; prevHash: string; hash: string };

const legacy = (prevHash: string, fields: Omit<Row, 'hash' | 'prevHash'>) => createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
/** SPEC §5: HMAC-SHA256(key, prevHash ‖ canonical JSON), the key derived from the secret key with HKDF */
const chainKey = Buffer.from(hkdfSync('sha256', SECRET_KEY, Buffer.alloc(0), 'flotilla:key:audit-chain/v1', 32));
const keyed = (prevHash: string, fields: Omit<Row, 'hash' | 'prevHash'>) => createHmac('sha256', chainKey).update(prevHash).update(canonicalJson(fields)).digest('hex');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data directory as the version before the keyed chain left it: its migrations, `n` unkeyed entries. */
async function legacyDataDir(n: number, edit?: (db: Sqlite.Database) => void): Promise<{ dir: string; rows: Row[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-rekey-'));
  dirs.push(dir);
  const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(AuditKeyedChain1795668173574));
  const ds = await openDatabase({ ...dataSourceOptions(loadConfig({ env: { FLOTILLA_DATA_DIR: dir } }), ENTITIES), migrations: before });
  await ds.destroy();
  const db = new Sqlite(join(dir, 'flotilla.sqlite'));
  const insert = db.prepare(
    'INSERT INTO audit_entries (seq, at, actor, role, action, subject, outcome, sourceAddress, requestId, details, prevHash, hash) VALUES (@seq, @at, @actor, @role, @action, @subject, @outcome, @sourceAddress, @requestId, @details, @prevHash, @hash)',
  );
  let prevHash = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const fields = { seq, at: `2025-12-0${seq}T10:00:00.000Z`, actor: 'bootstrap-admin', role: 'admin', action: 'tokens.create', subject: `old-${seq}`, outcome: 'success', sourceAddress: '127.0.0.1', requestId: `r${seq}`, details: '{"status":201}' };
    const hash = legacy(prevHash, fields);
    insert.run({ ...fields, prevHash, hash });
    prevHash = hash;
  }
  if (edit) {
    db.exec('DROP TRIGGER audit_entries_no_update');
    edit(db);
  }
  const rows = db.prepare('SELECT * FROM audit_entries ORDER BY seq').all() as Row[];
  db.close();
  return { dir, rows };
}

function read(dir: string): { rows: Row[]; recipe: string } {
  const db = new Sqlite(join(dir, 'flotilla.sqlite'), { readonly: true });
  try {
    return {
      rows: db.prepare('SELECT * FROM audit_entries ORDER BY seq').all() as Row[],
      recipe: (db.prepare('SELECT recipe FROM audit_chain').get() as { recipe: string }).recipe,
    };
  } finally {
    db.close();
  }
}

/** what SQLite says to an UPDATE of the audit log */
function updateRefusal(dir: string): string | undefined {
  const db = new Sqlite(join(dir, 'flotilla.sqlite'));
  try {
    db.prepare(`UPDATE audit_entries SET actor = 'x' WHERE seq = 1`).run();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    db.close();
  }
}

/** Starts the application on `dir` and returns why start-up failed (undefined when it did not). */
async function startupError(dir: string, env: Record<string, string> = {}): Promise<Error | undefined> {
  const config = loadConfig({ env: { NODE_ENV: 'test', FLOTILLA_DATA_DIR: dir, FLOTILLA_PORT: '0', ...ENV, ...env } });
  const app = await createApp(config, createRootLogger('silent'));
  try {
    await app.init();
    return undefined;
  } catch (e) {
    return e as Error;
  } finally {
    await app.close().catch(() => undefined);
  }
}

describe('keying an audit chain written before the chain was keyed', () => {
  it('re-hashes a verifying chain under the key once, keeping every entry and the append-only triggers', async () => {
    const { dir, rows: before } = await legacyDataDir(5);
    const running = await startApp(ENV, { dataDir: dir });
    const admin = apiClient(running.baseUrl, ADMIN);
    try {
      expect((await admin.get('/api/v1/audit/verify')).body).toEqual({ ok: true, entries: 6 });
      const newest = (await admin.get('/api/v1/audit?limit=1')).body.items[0];
      expect(newest).toMatchObject({ seq: 6, actor: 'flotilla', action: 'audit.rekeyed', details: { entries: 5, recipe: 'hmac-sha256' } });
    } finally {
      await running.close();
    }
    const after = read(dir);
    expect(after.recipe).toBe('hmac-sha256');
    let prevHash = GENESIS;
    for (const [i, old] of before.entries()) {
      const { hash: _h, prevHash: _p, ...fields } = old;
      // the content is untouched; the links and hashes are the keyed recipe's
      expect(after.rows[i]).toEqual({ ...fields, prevHash, hash: keyed(prevHash, fields) });
      expect(after.rows[i].hash).not.toBe(old.hash);
      prevHash = after.rows[i].hash;
    }
    expect(updateRefusal(dir)).toBe('the audit log is append-only');

    // once: a second start finds the chain keyed and leaves it alone
    const again = await startApp(ENV, { dataDir: dir });
    try {
      expect((await apiClient(again.baseUrl, ADMIN).get('/api/v1/audit/verify')).body).toEqual({ ok: true, entries: 6 });
    } finally {
      await again.close();
    }
    expect(read(dir).rows).toEqual(after.rows);
  });

  it('refuses to re-key a chain that does not verify under the old recipe, and leaves it as it was', async () => {
    const { dir, rows } = await legacyDataDir(5, (db) => db.prepare(`UPDATE audit_entries SET subject = 'rewritten' WHERE seq = 3`).run());
    const error = await startupError(dir);
    expect(error?.message).toMatch(/^the audit log does not verify under its old recipe from entry 3 on, so it was not re-keyed/);
    const after = read(dir);
    expect(after.recipe).toBe('sha256');
    expect(after.rows).toEqual(rows);
  });

  it('refuses to re-key when an audit checkpoint exists, which only a keyed chain writes', async () => {
    const { dir, rows } = await legacyDataDir(3);
    const outside = mkdtempSync(join(tmpdir(), 'flotilla-rekey-cp-'));
    dirs.push(outside);
    const file = join(outside, 'checkpoint.json');
    writeFileSync(file, JSON.stringify({ seq: 3, hash: 'ab'.repeat(32), at: '2026-01-01T00:00:00.000Z' }));
    const error = await startupError(dir, { FLOTILLA_AUDIT__CHECKPOINT_FILE: file });
    expect(error?.message).toMatch(/^the audit log is marked unkeyed, but an audit checkpoint exists/);
    expect(read(dir).rows).toEqual(rows);
  });
});
