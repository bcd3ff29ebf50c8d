// The audit chain's recipe, as pure functions: how an entry's hash is computed, how a walk over
// the entries in seq order checks them, and what an anchor is. The database and HTTP live in
// AuditLog; nothing here touches them.
import { createHash, createHmac } from 'node:crypto';
import type { AuditEntry } from './audit-entry.entity';
import { canonicalJson } from './canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

/** HKDF label of the chain key (SecretBox.deriveKey); a new recipe gets a new label. */
export const CHAIN_KEY_LABEL = 'audit-chain/v1';

/** What is hashed: every column but the hash itself. */
export type ChainFields = Omit<AuditEntry, 'hash'>;

/**
 * `HMAC-SHA256(key, prevHash ‖ canonical JSON of the other fields)`, hex. prevHash is always 64
 * hex characters, so the concatenation is unambiguous, and an entry commits to its predecessor:
 * patching prevHash changes the hash. Keyed, so the chain cannot be recomputed from the database
 * alone after an edit (the key is derived from the secret key and never stored there).
 */
export function entryHash(key: Buffer, e: ChainFields): string {
  const { prevHash, ...fields } = e;
  return createHmac('sha256', key).update(prevHash).update(canonicalJson(fields)).digest('hex');
}

/** The recipe before the chain was keyed: unkeyed SHA-256. Only the one-time re-key reads it. */
export function legacyEntryHash(e: ChainFields): string {
  const { prevHash, ...fields } = e;
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}

/**
 * Checks entries fed in seq order against a recipe: each must have the next seq, name the hash
 * before it as prevHash, and carry the hash the recipe gives. Starts at the genesis or, to check
 * only what was appended since, after a known entry.
 */
export class ChainWalk {
  /** the seq of the last entry that fit (0 before the first) */
  seq: number;
  /** that entry's hash */
  hash: string;

  constructor(
    private readonly hashOf: (e: ChainFields) => string,
    after: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
  ) {
    this.seq = after.seq;
    this.hash = after.hash;
  }

  /** true when `e` fits; false leaves the walk at the last entry that did */
  next(e: AuditEntry): boolean {
    const { hash, ...fields } = e;
    if (e.seq !== this.seq + 1 || e.prevHash !== this.hash || this.hashOf(fields) !== hash) return false;
    this.seq = e.seq;
    this.hash = hash;
    return true;
  }
}

/** An entry recorded outside the database (`/audit/head`, a checkpoint): it must still be there, unchanged. */
export interface Anchor {
  seq: number;
  hash: string;
}

export const ANCHOR_FORMAT = /^(0|[1-9][0-9]{0,15}):([0-9a-f]{64})$/;

/** `<seq>:<hash>` → Anchor; undefined when it is not one */
export function parseAnchor(text: string): Anchor | undefined {
  const m = ANCHOR_FORMAT.exec(text);
  return m ? { seq: Number(m[1]), hash: m[2] } : undefined;
}
