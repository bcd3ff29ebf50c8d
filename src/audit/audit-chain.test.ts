import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChainWalk, type ChainFields, entryHash, GENESIS_HASH, legacyEntryHash, parseAnchor } from './audit-chain';
import type { AuditEntry } from './audit-entry.entity';

const fields = (seq: number, prevHash: string): ChainFields => ({
  seq,
  at: '2026-01-01T00:00:00.000Z',
  actor: 'ci',
  role: 'admin',
  action: 'tokens.create',
  subject: `t-${seq}`,
  outcome: 'success',
  sourceAddress: '10.0.0.1',
  requestId: `r-${seq}`,
  details: '{}',
  prevHash,
});

/** `n` entries chained under `key` */
function chain(key: Buffer, n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let seq = 1, prev = GENESIS_HASH; seq <= n; seq++) {
    const f = fields(seq, prev);
    prev = entryHash(key, f);
    out.push({ ...f, hash: prev });
  }
  return out;
}

describe('the audit chain recipe', () => {
  const key = randomBytes(32);

  it('commits each entry to its predecessor: the hash changes when only prevHash changes', () => {
    const f = fields(2, 'a'.repeat(64));
    expect(entryHash(key, { ...f, prevHash: 'b'.repeat(64) })).not.toBe(entryHash(key, f));
    expect(entryHash(key, { ...f, prevHash: GENESIS_HASH })).not.toBe(entryHash(key, f));
  });

  it('is keyed: another key, or the old unkeyed recipe, gives other hashes for the same entry', () => {
    const f = fields(1, GENESIS_HASH);
    expect(entryHash(key, f)).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash(key, f)).toBe(entryHash(Buffer.from(key), f));
    expect(entryHash(randomBytes(32), f)).not.toBe(entryHash(key, f));
    expect(legacyEntryHash(f)).not.toBe(entryHash(key, f));
  });

  it('walks a chain and stops at the first entry that was edited, re-linked or is missing', () => {
    const entries = chain(key, 5);
    const walk = (list: AuditEntry[], k = key) => {
      const w = new ChainWalk((e) => entryHash(k, e));
      for (const e of list) if (!w.next(e)) break;
      return w.seq;
    };
    expect(walk(entries)).toBe(5);
    expect(walk(entries, randomBytes(32))).toBe(0);
    expect(walk(entries.map((e) => (e.seq === 3 ? { ...e, actor: 'someone-else' } : e)))).toBe(2);
    // the prevHash column patched, the hash left alone
    expect(walk(entries.map((e) => (e.seq === 4 ? { ...e, prevHash: 'c'.repeat(64) } : e)))).toBe(3);
    expect(walk(entries.filter((e) => e.seq !== 2))).toBe(1);
    // continuing after a known entry checks only what follows it
    const after = new ChainWalk((e) => entryHash(key, e), { seq: 3, hash: entries[2].hash });
    expect([after.next(entries[3]), after.next(entries[4]), after.seq]).toEqual([true, true, 5]);
  });

  it('reads anchors as <seq>:<hash> and nothing else', () => {
    expect(parseAnchor(`12:${'ab'.repeat(32)}`)).toEqual({ seq: 12, hash: 'ab'.repeat(32) });
    expect(parseAnchor(`0:${GENESIS_HASH}`)).toEqual({ seq: 0, hash: GENESIS_HASH });
    for (const bad of ['12', `012:${'ab'.repeat(32)}`, `12:${'AB'.repeat(32)}`, `12:${'ab'.repeat(31)}`, `-1:${'ab'.repeat(32)}`]) {
      expect(parseAnchor(bad), bad).toBeUndefined();
    }
  });
});
