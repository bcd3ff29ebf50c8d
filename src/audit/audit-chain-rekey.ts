import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { SecretBox } from '../security/secret-box';
import { CHAIN_KEY_LABEL, ChainWalk, entryHash, GENESIS_HASH, legacyEntryHash } from './audit-chain';
import { AuditEntry } from './audit-entry.entity';
import { AuditLog } from './audit-log';
import { CheckpointFile, CheckpointUnreadableError } from './checkpoint-file';

const LEGACY = 'sha256';
const KEYED = 'hmac-sha256';
const BATCH = 1000;

/** The audit log cannot be brought to the keyed recipe without hiding something. Stops start-up. */
export class AuditChainError extends Error {}

/** The setting that permits the one-time re-key, and its variable, as messages name them. */
export const REKEY_SETTING = 'audit.rekeyUnkeyedChain';
export const REKEY_ENV = 'FLOTILLA_AUDIT__REKEY_UNKEYED_CHAIN';

/**
 * Keys an audit chain written before the chain was keyed (migration AuditKeyedChain marked it
 * `sha256`): at start-up, before anything is recorded, once. Only a chain that verifies under the
 * old recipe is re-hashed — re-hashing an edited one would launder the edit — and everything
 * happens in one transaction (the append-only trigger is lifted and restored inside it), so a
 * crash leaves the old chain as it was. Anything else stops start-up with what to do.
 *
 * The marker lives in the database, so someone with write access to the file (not the key)
 * could set it back and offer a forged unkeyed chain to re-hash: the re-key would bless the
 * forgery. So the decision is never taken from the database alone: the re-key runs only when
 * the operator says so outside it (`audit.rekeyUnkeyedChain`, set once after the upgrade and
 * removed), and never when a checkpoint file exists, which only a keyed chain ever writes (with
 * checkpoints on by default, every install that ran a keyed version has one). Without the
 * setting an unkeyed chain stops start-up. Every re-key also appends an `audit.rekeyed` entry,
 * so an anchor recorded after the upgrade no longer matches.
 */
@Injectable()
export class AuditChainRekey implements OnModuleInit {
  private readonly log = new Logger(AuditChainRekey.name);

  constructor(
    private readonly config: AppConfig,
    private readonly db: Database,
    @Inject(SecretBox) private readonly box: SecretBox,
    private readonly checkpoints: CheckpointFile,
    private readonly audit: AuditLog,
  ) {}

  async onModuleInit(): Promise<void> {
    const rows = await this.db.manager.query<{ recipe: string }[]>(`SELECT "recipe" FROM "audit_chain" WHERE "id" = 1`);
    const recipe = rows[0]?.recipe;
    const permitted = this.config.audit.rekeyUnkeyedChain;
    if (recipe === KEYED) {
      if (permitted) {
        this.log.warn(
          `${REKEY_SETTING} is true, but the audit log is already keyed: remove the setting (${REKEY_ENV}). Left on, it lets whoever can write the database ` +
            'offer a forged unkeyed chain for the next start to re-key',
        );
      }
      return;
    }
    if (recipe !== LEGACY) throw new AuditChainError(`the audit_chain table names no known recipe (${JSON.stringify(recipe ?? null)}): the database was altered`);
    let checkpoint: unknown;
    try {
      checkpoint = this.checkpoints.read();
    } catch (e) {
      if (!(e instanceof CheckpointUnreadableError)) throw e;
      throw new AuditChainError(
        `the audit log is marked unkeyed, and ${e.message} (${this.checkpoints.path}), so it cannot show that the log was never keyed: it was not re-keyed. ` +
          "Restore the database from a backup, or move the checkpoint file away if you know it is not this database's",
      );
    }
    if (checkpoint) {
      throw new AuditChainError(
        `the audit log is marked unkeyed, but an audit checkpoint exists (${this.checkpoints.path}), which only a keyed log ever writes: the database was altered. Restore it from a backup`,
      );
    }
    if (!permitted) {
      throw new AuditChainError(
        'the audit log is marked unkeyed (the SHA-256 recipe of versions before the keyed chain), and it is only re-keyed when ' +
          `${REKEY_SETTING} is true (${REKEY_ENV}=true): that mark is in the database, and whoever can write the database could set it ` +
          'to have a forged chain re-keyed. If you have just upgraded from a version before the keyed chain, set it for one start, then remove it. ' +
          'Otherwise the database was altered: restore it from a backup',
      );
    }
    const entries = await this.rekey();
    if (entries === 0) return;
    this.log.warn({ entries }, `re-hashed the ${entries} entries of the audit log with the keyed recipe (HMAC-SHA256)`);
    await this.audit.record({ actor: 'flotilla', action: 'audit.rekeyed', outcome: 'success', details: { entries, recipe: KEYED } });
  }

  /** Verifies under the old recipe and re-hashes under the key, batch by batch, in one transaction. */
  private rekey(): Promise<number> {
    const key = this.box.deriveKey(CHAIN_KEY_LABEL);
    return this.db.write(async (tx) => {
      const [trigger] = await tx.query<{ sql: string }[]>(`SELECT "sql" FROM "sqlite_master" WHERE "type" = 'trigger' AND "name" = 'audit_entries_no_update'`);
      if (trigger) await tx.query(`DROP TRIGGER "audit_entries_no_update"`);
      const old = new ChainWalk(legacyEntryHash);
      let prevHash = GENESIS_HASH;
      for (;;) {
        const batch = await tx.getRepository(AuditEntry).createQueryBuilder('e').where('e.seq > :after', { after: old.seq }).orderBy('e.seq', 'ASC').take(BATCH).getMany();
        for (const e of batch) {
          if (!old.next(e)) {
            throw new AuditChainError(
              `the audit log does not verify under its old recipe from entry ${old.seq + 1} on, so it was not re-keyed: that would hide the change. ` +
                `Restore the database from a backup taken before entry ${old.seq + 1} was changed`,
            );
          }
          const { hash: _old, ...fields } = e;
          const hash = entryHash(key, { ...fields, prevHash });
          await tx.query(`UPDATE "audit_entries" SET "prevHash" = ?, "hash" = ? WHERE "seq" = ?`, [prevHash, hash, e.seq]);
          prevHash = hash;
        }
        if (batch.length < BATCH) break;
      }
      if (trigger) await tx.query(trigger.sql);
      await tx.query(`UPDATE "audit_chain" SET "recipe" = ? WHERE "id" = 1`, [KEYED]);
      return old.seq;
    });
  }
}
