import { describe, expect, it } from 'vitest';
import Sqlite from 'better-sqlite3';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/app-config';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { openDatabase } from '../../src/database/database';
import { ENTITIES } from '../../src/entities';
import { MIGRATIONS } from '../../migrations';

function configIn(dir: string) {
  return loadConfig({ env: { FLOTILLA_DATA_DIR: dir } });
}

describe('migrations', () => {
  it('build the schema on an empty database file, then find nothing to do on the migrated one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-mig-'));
    const options = dataSourceOptions(configIn(join(dir, 'data')), ENTITIES);
    const first = await openDatabase(options);
    const applied = await first.query('SELECT name FROM migrations ORDER BY id');
    expect(applied.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await first.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('api_tokens', 'audit_entries') ORDER BY name")).toEqual([
      { name: 'api_tokens' },
      { name: 'audit_entries' },
    ]);
    await first.query(`INSERT INTO api_tokens (id, name, role, hash, createdBy) VALUES ('abc', 'kept', 'viewer', x'00', 'test')`);
    await first.destroy();

    const second = await openDatabase(options);
    expect(await second.showMigrations()).toBe(false);
    expect((await second.query('SELECT COUNT(*) AS n FROM migrations'))[0].n).toBe(MIGRATIONS.length);
    expect(await second.query(`SELECT name FROM api_tokens`)).toEqual([{ name: 'kept' }]);
    expect((await second.query('PRAGMA journal_mode'))[0].journal_mode).toBe('wal');
    await second.destroy();
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
  });

  it('make the audit log append-only inside SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-mig-'));
    const ds = await openDatabase(dataSourceOptions(configIn(dir), ENTITIES));
    await ds.query(`INSERT INTO audit_entries (seq, at, actor, action, outcome, details, prevHash, hash) VALUES (1, 'now', 'a', 'b', 'c', '{}', 'p', 'h')`);
    await ds.destroy();
    const db = new Sqlite(join(dir, 'flotilla.sqlite'));
    expect(() => db.prepare(`UPDATE audit_entries SET actor = 'x'`).run()).toThrow('the audit log is append-only');
    expect(() => db.prepare(`DELETE FROM audit_entries`).run()).toThrow('the audit log is append-only');
    db.close();
  });
});
