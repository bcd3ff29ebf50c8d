// The one comparison of secrets in Flotilla: API tokens' keyed hashes, the admin token's, webhook
// signatures and tokens. Everything that compares a secret calls this (a test scans src/ for any
// other comparison of a token, hash, signature or secret), so no `===` or Buffer.equals, which
// return at the first differing byte, can tell an attacker how much of a guess was right.
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets (or digests of secrets) are equal, in time that depends neither on where
 * they differ nor on whether their lengths do. Both sides are hashed to 32 bytes first, so
 * `timingSafeEqual` never throws on a length mismatch (a stored hash of another length is simply
 * unequal, not a 500) and the comparison itself is the same for every input.
 */
export function secretsEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}
