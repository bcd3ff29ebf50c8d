import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Database } from '../database/database';
import { SecretBox } from '../security/secret-box';
import { CHAIN_KEY_LABEL, ChainWalk, entryHash, GENESIS_HASH, legacyEntryHash } from './audit-chain';
import { AuditEntry } from './audit-entry.entity';
import { AuditLog } from './audit-log';
import { CheckpointFile } from './checkpoint-file';

const LEGACY = 'sha256';
const KEYED = 'hmac-sha256';
const BATCH = 1000;

/** The audit log cannot be brought to the keyed recipe without hiding something. Stops start-up. */
export class AuditChainError extends Error {}

/**
 * Keys an audit chain written before the chain was keyed (migration AuditKeyedChain marked it
 * `sha256`): at start-up, before anything is recorded, once. Only a chain that verifies under the
 * old recipe is re-hashed — re-hashing an edited one would launder the edit — and everything
 * happens in one transaction (the append-only trigger is lifted and restored inside it), so a
 * crash leaves the old chain as it was. Anything else stops start-up with what to do.
 *
 * The marker lives in the database, so someone with the file could set it back and offer a
 * forged unkeyed chain to re-hash. Two things stop that: a checkpoint file is only ever written
 * for a keyed chain, so with one present the re-key refuses; and every re-key appends an
 * `audit.rekeyed` entry, so an anchor recorded after the upgrade no longer matches.
 */
@Injectable()
export class AuditChainRekey implements OnModuleInit {
  private readonly log = new Logger(AuditChainRekey.name);

  constructor(
    private readonly db: Database,
    @Inject(SecretBox) private readonly box: SecretBox,
    private readonly checkpoints: CheckpointFile,
    private readonly audit: AuditLog,
  ) {}

  async onModuleInit(): Promise<void> {
    const rows = (await this.db.manager.query(`SELECT "recipe" FROM "audit_chain" WHERE "id" = 1`)) as { recipe: string }[];
    const recipe = rows[0]?.recipe;
    if (recipe === KEYED) return;
    if (recipe !== LEGACY) throw new AuditChainError(`the audit_chain table names no known recipe (${JSON.stringify(recipe ?? null)}): the database was altered`);
    if (this.checkpoints.read()) {
      throw new AuditChainError(
        'the audit log is marked unkeyed, but an audit checkpoint exists, which only a keyed log ever writes: the database was altered. Restore it from a backup',
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
      const [trigger] = (await tx.query(`SELECT "sql" FROM "sqlite_master" WHERE "type" = 'trigger' AND "name" = 'audit_entries_no_update'`)) as { sql: string }[];
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
