import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretKeyError } from '../shared/errors';
import { AppConfig } from '../config/app-config';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const KEY_FILE = 'secret.key';

/** Reads the key from config, or from `<dataDir>/secret.key`, generating that file (0600) once. */
export function resolveSecretKey(config: Pick<AppConfig, 'security' | 'dataDir'>): Buffer {
  if (config.security.secretKey) return Buffer.from(config.security.secretKey, 'base64');
  const file = join(config.dataDir, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new SecretKeyError(`${file} does not hold a 32-byte base64 key`);
  return key;
}

/**
 * Encrypts secret fields at rest: AES-256-GCM with a random nonce per value. A stored value is
 * `v1:<keyId>:<nonce>:<ciphertext+tag>` (base64url parts); the key id (a hash prefix of the key)
 * lets a later rotation hold several keys and lets a wrong key be named instead of producing
 * garbage. The AAD binds a value to its purpose, so a token cannot be swapped into a password column.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new SecretKeyError('the secret key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  encrypt(plain: string, purpose: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.keyId, nonce.toString('base64url'), body.toString('base64url')].join(':');
  }

  decrypt(stored: string, purpose: string): string {
    const [version, keyId, nonce, body] = stored.split(':');
    if (version !== VERSION || !keyId || !nonce || !body) throw new SecretKeyError(`a stored ${purpose} is not in the ${VERSION} format`);
    if (keyId !== this.keyId) {
      throw new SecretKeyError(
        `a stored ${purpose} was encrypted with key ${keyId}, but the configured key is ${this.keyId}: set FLOTILLA_SECRET_KEY (or restore secret.key in the data directory) to the key used when it was stored`,
      );
    }
    const raw = Buffer.from(body, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`a stored ${purpose} failed authentication: it was altered or belongs to another purpose`);
    }
  }

  /**
   * A 32-byte key for one use, derived from the secret key with HKDF-SHA256 under `label` (so
   * keys for different labels are independent, and none is the secret key or one of `digest`'s).
   * Lives in memory only: whoever has the database alone cannot compute it.
   */
  deriveKey(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `flotilla:key:${label}`, 32));
  }

  /** A keyed hash (HMAC-SHA256 under a key derived for `purpose`), for values stored only hashed. */
  digest(value: string, purpose: string): Buffer {
    const subkey = createHmac('sha256', this.key).update(`flotilla:${purpose}`).digest();
    return createHmac('sha256', subkey).update(value).digest();
  }
}
