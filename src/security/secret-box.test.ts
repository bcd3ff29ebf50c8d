import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSecretKey, SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips a value and never stores it in clear', () => {
    const stored = box.encrypt('s3cr3t-value', 'cluster.token');
    expect(stored).toMatch(new RegExp(`^v1:${box.keyId}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$`));
    expect(stored).not.toContain('s3cr3t');
    expect(box.decrypt(stored, 'cluster.token')).toBe('s3cr3t-value');
  });

  it('uses a fresh nonce for every encryption', () => {
    expect(box.encrypt('same', 'p')).not.toBe(box.encrypt('same', 'p'));
  });

  it('fails with a clear error naming both key ids when the value was encrypted with another key', () => {
    const other = new SecretBox(randomBytes(32));
    const stored = other.encrypt('value', 'cluster.token');
    expect(() => box.decrypt(stored, 'cluster.token')).toThrow(`a stored cluster.token was encrypted with key ${other.keyId}, but the configured key is ${box.keyId}`);
  });

  it('refuses an altered value or one moved to another purpose instead of returning garbage', () => {
    const stored = box.encrypt('value', 'repository.password');
    const parts = stored.split(':');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    const altered = [...parts.slice(0, 3), body.toString('base64url')].join(':');
    expect(() => box.decrypt(altered, 'repository.password')).toThrow('failed authentication');
    expect(() => box.decrypt(stored, 'cluster.token')).toThrow('failed authentication');
    expect(() => box.decrypt('plain text', 'cluster.token')).toThrow('not in the v1 format');
  });

  it('derives one independent 32-byte key per label, never the secret key itself', () => {
    const key = randomBytes(32);
    const [a, b] = [new SecretBox(key), new SecretBox(key)];
    expect(a.deriveKey('audit-chain/v1')).toHaveLength(32);
    expect(a.deriveKey('audit-chain/v1').equals(b.deriveKey('audit-chain/v1'))).toBe(true);
    expect(a.deriveKey('audit-chain/v1').equals(a.deriveKey('audit-chain/v2'))).toBe(false);
    expect(a.deriveKey('audit-chain/v1').equals(key)).toBe(false);
    expect(new SecretBox(randomBytes(32)).deriveKey('audit-chain/v1').equals(a.deriveKey('audit-chain/v1'))).toBe(false);
  });

  it('generates a 0600 key file once and reuses it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-key-'));
    const config = { dataDir, security: { secretKey: null, adminToken: null, failedAuthPerMinute: 1 } };
    const first = resolveSecretKey(config);
    const file = join(dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveSecretKey(config).equals(first)).toBe(true);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
  });

  it('takes FLOTILLA_SECRET_KEY over the key file', () => {
    const key = randomBytes(32);
    const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-key-'));
    const security = { adminToken: null, failedAuthPerMinute: 1 };
    const fromFile = resolveSecretKey({ dataDir, security: { ...security, secretKey: null } });
    expect(fromFile.equals(key)).toBe(false);
    expect(resolveSecretKey({ dataDir, security: { ...security, secretKey: key.toString('base64') } }).equals(key)).toBe(true);
    // the file is left as it was
    expect(Buffer.from(readFileSync(join(dataDir, 'secret.key'), 'utf8').trim(), 'base64').equals(fromFile)).toBe(true);
  });
});
