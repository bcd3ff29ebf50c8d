// What goes wrong in a command, as one line a person can act on: the server's own message, and a
// hint saying what to do next. main.ts prints it and exits with its code.

/** Exit codes: 0 fine, 1 failed (an error, a failed target, a timeout), 2 as `app diff` uses it. */
export const EXIT = { ok: 0, failed: 1, diffError: 2 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** The server answered with an error status. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    serverMessage: string,
    hint?: string,
  ) {
    super(serverMessage, hint);
  }
}

/** Nest's error shape: `{ statusCode, error, message }`, `message` a string or a list of field messages. */
export function serverMessageOf(body: unknown, status: number, statusText: string): string {
  if (body && typeof body === 'object') {
    const m = (body as { message?: unknown }).message;
    const text = Array.isArray(m) ? m.map(String).join('; ') : typeof m === 'string' ? m : undefined;
    if (text) return text;
  }
  if (typeof body === 'string' && body.trim() && body.length < 300 && !/^\s*</.test(body)) return body.trim();
  return `${status} ${statusText || 'error'}`;
}

/** The hint for a status: what a person does about it. */
export function hintFor(status: number, ctx: { server: string; retryAfter?: string | null; context?: string }): string | undefined {
  switch (status) {
    case 401:
      return `log in again: flotilla login ${ctx.server}`;
    case 403:
      return 'ask an admin for a token with that role, then flotilla login again';
    case 404:
      return undefined;
    case 413:
      return 'the request is too large for the server';
    case 429:
      return ctx.retryAfter ? `too many failed attempts from this address; try again in ${ctx.retryAfter} s` : 'too many requests; try again later';
    default:
      return status >= 500 ? 'the server failed; its log has the details (look for the errorId)' : undefined;
  }
}

/** A transport failure (refused, DNS, TLS) as a sentence, never a stack. */
export function transportError(server: string, e: unknown): CliError {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code;
  const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|DEPTH_ZERO/.test(String(code ?? ''));
  if (tls) {
    return new CliError(`cannot verify the TLS certificate of ${server} (${code})`, 'trust its CA with --ca-file FILE or FLOTILLA_CA_FILE');
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new CliError(`cannot reach ${server}: connection refused`, 'is Flotilla running there? check the server with flotilla context list');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CliError(`cannot reach ${server}: the host name does not resolve`, 'check the server address with flotilla context list');
    case 'ETIMEDOUT':
    case 'TIMEOUT':
      return new CliError(`no answer from ${server} in time`, 'the server may be overloaded or unreachable');
    case 'ECONNRESET':
    case 'EPROTO':
      return new CliError(`the connection to ${server} failed (${code})`, 'is it http:// or https://? check with flotilla context list');
    default:
      return new CliError(`cannot reach ${server}: ${err?.message ?? String(e)}`);
  }
}
