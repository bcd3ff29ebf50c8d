// Field names whose values are secrets wherever they sit in an object: request bodies, audit
// details, log lines. The one list; the logger's redaction paths and redactSecretFields are
// both derived from it, so a new secret field is added here once.
export const SECRET_FIELDS: readonly string[] = [
  'token', 'password', 'privateKey', 'keyData', 'certData', 'secret', 'webhookSecret', 'authorization',
  'kubeconfig', 'secretKey', 'adminToken',
];

/**
 * Maps whose every value is a secret: a webhook channel's custom headers (they often carry API
 * keys). Redacted wholesale in audit details; the logger keeps its own rule for HTTP headers
 * (everything but `authorization` stays readable there).
 */
export const SECRET_MAPS: readonly string[] = ['headers'];

const LOWER = new Set(SECRET_FIELDS.map((f) => f.toLowerCase()));
const MAPS = new Set(SECRET_MAPS.map((f) => f.toLowerCase()));

export const REDACTED = '[redacted]';

/** Case-insensitive: `Authorization`, `privatekey` and `privateKey` are all secret. */
export function isSecretField(name: string): boolean {
  return LOWER.has(name.toLowerCase());
}

function isSecretMap(name: string, value: unknown): boolean {
  return MAPS.has(name.toLowerCase()) && !!value && typeof value === 'object' && !Array.isArray(value);
}

/** the keys stay (they say which headers were set), every value goes */
function redactMap(map: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).slice(0, 100).map((k) => [k, REDACTED]));
}

/** A deep copy with every secret field's value replaced; depth- and size-bounded. */
export function redactSecretFields(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactSecretFields(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
      out[k] = isSecretField(k) ? REDACTED : isSecretMap(k, v) ? redactMap(v as Record<string, unknown>) : redactSecretFields(v, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string' && value.length > 2000) return value.slice(0, 2000) + '…';
  return value;
}
