import pino from 'pino';

/**
 * Fields that carry the values a database statement ran with. TypeORM's QueryFailedError keeps
 * them as `parameters` (and copies its driver error's fields beside them): logged as they were, a
 * failed UPDATE put the row's values in the log, the encrypted webhook secret among them.
 */
const STATEMENT_VALUES = new Set(['parameters', 'bindings']);
/** Fields holding SQL text: kept, for the statement's shape, with any literal in it replaced by `?`. */
const STATEMENT_TEXT = new Set(['query', 'sql']);
const MAX_SQL_CHARS = 2000;
/** Below this many levels objects are not copied but named; nothing past it reaches the log. */
const MAX_DEPTH = 8;

/** The prototype of pino's serialized errors: copied like plain objects. */
const SERIALIZED_ERROR = Object.getPrototypeOf(pino.stdSerializers.err(new Error('probe'))) as object;

/** SQL text with its string and blob literals replaced by `?` (parameters are `?` already). */
export function withoutLiterals(sql: string): string {
  const text = sql.replace(/\b[xX]'[^']*'|'(?:[^']|'')*'?/g, '?');
  return text.length > MAX_SQL_CHARS ? `${text.slice(0, MAX_SQL_CHARS)}…` : text;
}

function copyable(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return Array.isArray(value) || proto === Object.prototype || proto === null || proto === SERIALIZED_ERROR;
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value instanceof Error) value = pino.stdSerializers.err(value);
  if (typeof value !== 'object' || value === null || !copyable(value)) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '[Array]' : '[Object]';
  seen.add(value);
  let copy: unknown;
  if (Array.isArray(value)) copy = value.map((v) => scrub(v, depth + 1, seen));
  else {
    const out: Record<string, unknown> = {};
    // for…in: a serialized error's type, message and stack sit on its prototype's enumerable slots
    for (const key in value) {
      const v = (value as Record<string, unknown>)[key];
      if (STATEMENT_VALUES.has(key)) continue;
      out[key] = STATEMENT_TEXT.has(key) && typeof v === 'string' ? withoutLiterals(v) : scrub(v, depth + 1, seen);
    }
    copy = out;
  }
  seen.delete(value);
  return copy;
}

/**
 * pino's serializer for `err` (and `error`): pino's own error serializer (type, message, stack,
 * causes, own fields), then, at every level, without the values of database statements and with
 * literals taken out of SQL text. Nothing logged as an error ever carries SQL parameters: they
 * hold whatever the row held, sealed secrets included. Errors nested anywhere inside are
 * serialized the same way (an Error's own fields would otherwise reach JSON as they are).
 */
export function serializeError(value: unknown): unknown {
  return scrub(value, 0, new WeakSet());
}
