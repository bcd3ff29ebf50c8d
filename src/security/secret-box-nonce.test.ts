// AES-GCM fails badly when a nonce repeats under one key: the two plaintexts XOR out and the tag
// can be forged. The key outlives the process (secret.key, FLOTILLA_SECRET_KEY), so a nonce must
// be unique across instances and restarts too, not only within one process.
import { describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

const nonceOf = (stored: string): string => stored.split(':')[2];

/** The nonces of `count` encryptions of one value, in order. */
const nonces = (box: { encrypt(plain: string, purpose: string): string }, count: number): string[] =>
  Array.from({ length: count }, () => nonceOf(box.encrypt('the same value', 'repository.credentials')));

describe('SecretBox nonces', () => {
  const key = randomBytes(32);

  it('never repeats a nonce over many encryptions in one instance', () => {
    const seen = nonces(new SecretBox(key), 20_000);
    expect(seen.every((n) => Buffer.from(n, 'base64url').length === 12)).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('never repeats a nonce between two instances holding the same key', () => {
    const [a, b] = [new SecretBox(key), new SecretBox(key)];
    // one key indeed: each opens what the other sealed
    expect(b.decrypt(a.encrypt('shared', 'p'), 'p')).toBe('shared');
    const seen = [...nonces(a, 1_000), ...nonces(b, 1_000)];
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('never repeats a nonce after a restart: the module loaded afresh twice, with the same key', async () => {
    // each load is what a new process starts from; a counter kept anywhere in it starts over
    const start = async () => {
      vi.resetModules();
      const loaded = await import('./secret-box');
      expect(loaded.SecretBox, 'a fresh module, not the cached one').not.toBe(SecretBox);
      return new loaded.SecretBox(key);
    };
    const first = await start();
    const firstNonces = nonces(first, 1_000);
    const second = await start();
    expect(second.constructor).not.toBe(first.constructor);
    const secondNonces = nonces(second, 1_000);
    expect(second.decrypt(first.encrypt('shared', 'p'), 'p')).toBe('shared');
    const seen = [...firstNonces, ...secondNonces];
    expect(new Set(seen).size).toBe(seen.length);
  });
});
