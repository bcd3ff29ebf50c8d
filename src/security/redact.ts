// Field names whose values are secrets wherever they appear (request bodies, audit details).
const SECRET_FIELDS = new Set([
  'token', 'password', 'privatekey', 'keydata', 'certdata', 'secret', 'webhooksecret', 'kubeconfig',
  'authorization', 'secretkey', 'admintoken',
]);

export const REDACTED = '[redacted]';

export function isSecretField(name: string): boolean {
  return SECRET_FIELDS.has(name.toLowerCase());
}

/** A deep copy with every secret field's value replaced; depth- and size-bounded. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
      out[k] = isSecretField(k) ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string' && value.length > 2000) return value.slice(0, 2000) + '…';
  return value;
}
