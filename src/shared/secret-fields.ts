// Field names whose values are secrets wherever they sit in an object: request bodies, audit
// details, log lines. The one list; the logger's redaction paths and redactSecretFields are
// both derived from it, so a new secret field is added here once.
export const SECRET_FIELDS: readonly string[] = [
  'token',
  'password',
  'privateKey',
  'keyData',
  'certData',
  'secret',
  'webhookSecret',
  'authorization',
  'kubeconfig',
  'secretKey',
  'adminToken',
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
  return Object.fromEntries(
    Object.keys(map)
      .slice(0, 100)
      .map((k) => [k, REDACTED]),
  );
}

/** What replaces the user-info of a URL: `https://user:pw@host/x` → `https://***@host/x`. */
export const REDACTED_USERINFO = '***';

// The end of a scheme and its slashes (WHATWG reads `\` as `/` in http(s) URLs), then the
// user-info up to the authority's last `@` — a password may hold a raw `@`, and the URL parser
// splits at the last one. The authority ends at `/`, `\`, `?`, `#`, white space or a quote (the URL
// may sit inside a longer text or JSON). Only the scheme's last character is matched: a whole
// scheme pattern is tried at every position of a long word, which costs seconds on a megabyte.
// Linear time on any input: a run of user-info ends where another `x:/` could begin, so no run is
// scanned twice.
const USERINFO_IN_TEXT = /([A-Za-z0-9+.-]:[/\\]+)[^\s/\\?#'"<>`]*@/g;
// the same, percent-encoded once, as a URL sits in another URL's query (`?next=https%3A%2F%2Fu%3Ap%40h`)
const USERINFO_IN_TEXT_ENCODED = /([A-Za-z0-9+.-]%3A(?:%2F|%5C)+)(?:(?!%2F|%5C|%3F|%23)[^\s/\\?#&'"<>`])*%40/gi;

/**
 * `text` with the user-info of every URL in it replaced by `***`, keeping scheme, host, path and
 * query: `https://user:pw@host/x`, a git-style `https://token@host/x`, a URL that does not parse
 * (`https://u:pw@host:bad/`) and one inside a longer string alike. A string that is one URL is
 * also read by the WHATWG parser, which finds credentials the text pattern cannot
 * (`https:user:pw@host`, `https:\\user:pw@host`); such a string comes back as the parser
 * writes it. User names go too (`ssh://git@host/x` → `ssh://***@host/x`): a token often sits there.
 */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('@') && !/%40/i.test(text)) return text;
  const out = text.replace(USERINFO_IN_TEXT, `$1${REDACTED_USERINFO}@`).replace(USERINFO_IN_TEXT_ENCODED, `$1${REDACTED_USERINFO}%40`);
  let url: URL;
  try {
    url = new URL(out);
  } catch {
    return out;
  }
  if (!url.password && (!url.username || url.username === REDACTED_USERINFO)) return out;
  url.password = '';
  url.username = REDACTED_USERINFO;
  return url.href;
}

/**
 * A deep copy with every secret field's value replaced and the user-info of every URL in a string
 * (values and keys) redacted; depth- and size-bounded.
 */
export function redactSecretFields(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactSecretFields(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
      out[redactUrlCredentials(k)] = isSecretField(k) ? REDACTED : isSecretMap(k, v) ? redactMap(v as Record<string, unknown>) : redactSecretFields(v, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string') {
    // redacted before it is cut, so a cut cannot strand a password without its `@`
    const redacted = redactUrlCredentials(value);
    return redacted.length > 2000 ? redacted.slice(0, 2000) + '…' : redacted;
  }
  return value;
}
