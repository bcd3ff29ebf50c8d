import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { REDACTED, redactUrlCredentials, SECRET_FIELDS } from '../../shared/secret-fields';
import { serializeError } from './error-serializer';
import { currentRequestId } from './request-context';

// secret fields never reach a log line, wherever they sit in an object (pino's paths are
// case-sensitive; Node lower-cases header names)
// Two levels down, no deeper: pino's wildcard traversal reads every property on the way, getters
// included, and deeper paths reach objects (an AbortSignal inside a logged error) whose getters
// throw when read that way, which turns a log call into an unhandled rejection. Nothing logs
// request bodies; audit details go through redactSecretFields, which walks eight levels.
const REDACT_PATHS = [...new Set(SECRET_FIELDS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k.toLowerCase()}`]))];

export function createRootLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'flotilla' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // errors never carry the values of a failed SQL statement into a line (see serializeError)
      serializers: { err: serializeError, error: serializeError },
      formatters: { level: (label) => ({ level: label }) },
      // the user-info of every URL in a line, wherever it sits (a message, an error's message or
      // stack, a field at any depth), becomes `***@` in the finished JSON text
      hooks: { streamWrite: redactUrlCredentials },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** Nest's logger interface over pino: one JSON line per entry, with the request id when there is one. */
export class JsonLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, params: unknown[]): void {
    // Nest appends the logger's context as the last argument
    const context = params.length && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    let text: string | undefined;
    for (const p of params) {
      if (typeof p === 'string') {
        if (level === 'error' && p.includes('\n    at ')) fields.stack = p;
        else text ??= p;
      } else if (p && typeof p === 'object') Object.assign(fields, p);
    }
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, text ?? message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ ...fields, ...message }, text);
    else this.pino[level](fields, String(message));
  }

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }
}
