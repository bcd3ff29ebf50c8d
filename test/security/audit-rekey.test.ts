// A database written before the chain was keyed: its unkeyed SHA-256 chain is re-hashed under
// the key at start-up, once, only when the operator permits it outside the database
// (audit.rekeyUnkeyedChain), no checkpoint exists, and it verifies under the old recipe. And the
// downgrade: someone with write access to the database (not the key) forges an unkeyed chain and
// marks it unkeyed; start-up must refuse rather than bless it with the key.
import { afterEach, describe, expect, it } from 'vitest';
import Sqlite from 'better-sqlite3';
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
import { eventually } from '../support/eventually';

const ADMIN = 'audit-rekey-test-admin-token-0123456789';
const SECRET_KEY = randomBytes(32);
const ENV = { FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_SECRET_KEY: SECRET_KEY.toString('base64') };
/** the one-time permission the operator gives after upgrading from a version before the keyed chain */
const REKEY = { FLOTILLA_AUDIT__REKEY_UNKEYED_CHAIN: 'true' };
const GENESIS = '0'.repeat(64);

type Row = {
  seq: number;
  at: string;
  actor: string;
  role: string | null;
  action: string;
  subject: string | null;
  outcome: string;
  sourceAddress: string | null;
  requestId: string | null;
  details: string;
  prevHash: string;
  hash: string;
};

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
    const fields = {
      seq,
      at: `2025-12-0${seq}T10:00:00.000Z`,
      actor: 'bootstrap-admin',
      role: 'admin',
      action: 'tokens.create',
      subject: `old-${seq}`,
      outcome: 'success',
      sourceAddress: '127.0.0.1',
      requestId: `r${seq}`,
      details: '{"status":201}',
    };
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
  it('re-hashes a verifying chain under the key once, when audit.rekeyUnkeyedChain permits it, keeping every entry and the append-only triggers', async () => {
    const { dir, rows: before } = await legacyDataDir(5);
    const running = await startApp({ ...ENV, ...REKEY }, { dataDir: dir });
    const admin = apiClient(running.baseUrl, ADMIN);
    try {
      // the checkpoint taken at start anchors the re-keyed chain, audit.rekeyed included
      const checkpoint = join(dir, 'audit-checkpoints');
      await eventually(
        'the checkpoint at start',
        async () => (existsSync(checkpoint) ? JSON.parse(readFileSync(checkpoint, 'utf8')).seq : null),
        (seq) => seq === 6,
      );
      expect((await admin.get('/api/v1/audit/verify')).body).toEqual({ ok: true, entries: 6, checkpointSeq: 6 });
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

    // once: a second start finds the chain keyed and leaves it alone, and says to remove the
    // setting if it was left on
    const again = await startApp({ ...ENV, ...REKEY }, { dataDir: dir });
    try {
      expect((await apiClient(again.baseUrl, ADMIN).get('/api/v1/audit/verify')).body).toEqual({ ok: true, entries: 6, checkpointSeq: 6 });
      expect(
        again.logs.filter((l) => l.includes('"level":"warn"') && l.includes('audit.rekeyUnkeyedChain is true, but the audit log is already keyed: remove the setting')),
      ).toHaveLength(1);
    } finally {
      await again.close();
    }
    expect(read(dir).rows).toEqual(after.rows);
  });

  it('refuses to start on an unkeyed chain unless audit.rekeyUnkeyedChain is set, naming the setting and why, and leaves it as it was', async () => {
    const { dir, rows } = await legacyDataDir(3);
    const error = await startupError(dir);
    expect(error?.message).toMatch(
      /^the audit log is marked unkeyed \(.*\), and it is only re-keyed when audit\.rekeyUnkeyedChain is true \(FLOTILLA_AUDIT__REKEY_UNKEYED_CHAIN=true\): that mark is in the database, and whoever can write the database could set it/,
    );
    expect(read(dir)).toEqual({ rows, recipe: 'sha256' });
    expect(existsSync(join(dir, 'audit-checkpoints'))).toBe(false);
  });

  it('refuses to re-key a chain that does not verify under the old recipe, and leaves it as it was', async () => {
    const { dir, rows } = await legacyDataDir(5, (db) => db.prepare(`UPDATE audit_entries SET subject = 'rewritten' WHERE seq = 3`).run());
    const error = await startupError(dir, REKEY);
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
    const error = await startupError(dir, { ...REKEY, FLOTILLA_AUDIT__CHECKPOINT_FILE: file });
    expect(error?.message).toMatch(/^the audit log is marked unkeyed, but an audit checkpoint exists/);
    expect(read(dir).rows).toEqual(rows);
  });
});

describe('downgrading a keyed audit chain to the unkeyed recipe, with write access to the database but not the key', () => {
  /**
   * A keyed install with the default settings, stopped; then, in its database: entry 2 edited,
   * the whole chain recomputed with the public unkeyed recipe, and the recipe set back to sha256,
   * so that a re-key would bless the forgery.
   */
  async function downgraded(): Promise<{ dir: string; forged: Row[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-downgrade-'));
    dirs.push(dir);
    const running = await startApp(ENV, { dataDir: dir });
    try {
      const admin = apiClient(running.baseUrl, ADMIN);
      for (let i = 0; i < 4; i++) expect((await admin.post('/api/v1/tokens', { name: `keyed-${i}`, role: 'viewer' })).status).toBe(201);
    } finally {
      await running.close();
    }
    // checkpoints are on by default: the stop wrote one, beside the database, owner-only
    const checkpoint = join(dir, 'audit-checkpoints');
    expect(JSON.parse(readFileSync(checkpoint, 'utf8'))).toMatchObject({ seq: 4 });
    expect(statSync(checkpoint).mode & 0o777).toBe(0o600);

    const db = new Sqlite(join(dir, 'flotilla.sqlite'));
    try {
      db.exec('DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete;');
      expect(db.prepare(`UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 2`).run().changes).toBe(1);
      const update = db.prepare('UPDATE audit_entries SET prevHash = ?, hash = ? WHERE seq = ?');
      let prevHash = GENESIS;
      for (const { hash: _h, prevHash: _p, ...fields } of db.prepare('SELECT * FROM audit_entries ORDER BY seq').all() as Row[]) {
        const hash = legacy(prevHash, fields);
        update.run(prevHash, hash, fields.seq);
        prevHash = hash;
      }
      db.prepare(`UPDATE audit_chain SET recipe = 'sha256' WHERE id = 1`).run();
      const forged = db.prepare('SELECT * FROM audit_entries ORDER BY seq').all() as Row[];
      expect(forged.find((r) => r.seq === 2)!.actor).toBe('someone-else');
      return { dir, forged };
    } finally {
      db.close();
    }
  }

  it('refuses to start when the attacker also removed the checkpoint file: nothing outside the database permits a re-key', async () => {
    const { dir, forged } = await downgraded();
    rmSync(join(dir, 'audit-checkpoints'));
    const error = await startupError(dir);
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/^the audit log is marked unkeyed .* only re-keyed when audit\.rekeyUnkeyedChain is true/);
    // the forgery was not re-hashed under the key
    expect(read(dir)).toEqual({ rows: forged, recipe: 'sha256' });
  });

  it('refuses to start while the checkpoint file the keyed chain wrote is there, even with audit.rekeyUnkeyedChain set', async () => {
    const { dir, forged } = await downgraded();
    const error = await startupError(dir, REKEY);
    expect(error?.message).toMatch(
      /^the audit log is marked unkeyed, but an audit checkpoint exists \(.*audit-checkpoints\), which only a keyed log ever writes: the database was altered/,
    );
    expect(read(dir)).toEqual({ rows: forged, recipe: 'sha256' });
  });
});
