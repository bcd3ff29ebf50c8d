import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, type ErrorKind, RateLimitedError } from '../../shared/errors';
import { FAILURE } from '../logging/request-failure';

/** The one place an error kind becomes an HTTP status. */
const KIND_STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  rateLimited: 429,
  unprocessable: 422,
  upstream: 502,
  internal: 500,
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** body-parser's error types, as thrown by express.json() before any route runs */
const BODY_PARSER_ERRORS: Record<string, [number, string]> = {
  'entity.too.large': [413, 'request body too large'],
  'entity.parse.failed': [400, 'request body is not valid JSON'],
  'entity.verify.failed': [400, 'request body failed verification'],
  'encoding.unsupported': [415, 'unsupported content encoding'],
  'charset.unsupported': [415, 'unsupported charset: use utf-8'],
  'request.aborted': [400, 'request aborted'],
  'request.size.invalid': [400, 'request size did not match content length'],
  'stream.encoding.set': [500, 'stream encoding set'],
};

/**
 * The answer to a body the parser refused, with a fixed message. Node's JSON.parse messages quote
 * the body around the problem (`Unexpected token 'x', "{"token": x…" is not valid JSON`), and Nest
 * wraps the parser's errors in a BadRequestException carrying that message; only the position, when
 * the message gives one, is kept.
 */
function bodyParserAnswer(err: unknown): { status: number; body: Record<string, unknown> } | undefined {
  const source = (err instanceof HttpException ? err.cause : err) as { type?: unknown; message?: unknown } | undefined;
  const type = source?.type;
  if (typeof type !== 'string' || !BODY_PARSER_ERRORS[type] || BODY_PARSER_ERRORS[type][0] >= 500) return undefined;
  const [status, fixed] = BODY_PARSER_ERRORS[type];
  const position = type === 'entity.parse.failed' && typeof source?.message === 'string' ? / at position (\d+)/.exec(source.message)?.[1] : undefined;
  const message = position ? `${fixed} (at character ${Number(position) + 1})` : fixed;
  return { status, body: { statusCode: status, error: STATUS_TEXT[status], message } };
}

/**
 * Why a request answered 5xx, for its log line: the error's kind and the message the client was
 * told (DomainError messages carry no secrets: git's are redacted, the kube layer's never repeat
 * a body that is not a Kubernetes Status), and the error id of a 500.
 */
export interface RequestFailure {
  kind: ErrorKind | 'http';
  name: string;
  message: string;
  errorId?: string;
}

function failureOf(err: unknown, body: Record<string, unknown>): RequestFailure {
  const kind = err instanceof DomainError ? err.kind : err instanceof HttpException ? 'http' : 'internal';
  const name = err instanceof Error ? err.name : 'unknown';
  const message = typeof body.message === 'string' ? body.message : 'internal error';
  return { kind, name, message, ...(typeof body.errorId === 'string' ? { errorId: body.errorId } : {}) };
}

/**
 * Every error becomes Nest's shape `{ statusCode, error, message }`. Errors of every layer are
 * DomainErrors that carry a neutral kind, mapped to a status by KIND_STATUS, so this filter
 * imports no layer's error classes. Anything unexpected is a 500 with an error id that is logged
 * with the stack.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly log = new Logger('Errors');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const { status, body } = this.toResponse(err);
    if (err instanceof RateLimitedError) res.setHeader('retry-after', String(err.retryAfterSeconds));
    // the request's log line (requestLogging, with the request id) says why a 5xx happened
    if (status >= 500 && res.locals) res.locals[FAILURE] = failureOf(err, body);
    res.status(status).json(body);
  }

  /** the status `err` is answered with */
  static statusOf(err: unknown): number {
    const parser = bodyParserAnswer(err);
    if (parser) return parser.status;
    if (err instanceof HttpException) return err.getStatus();
    if (err instanceof DomainError) return KIND_STATUS[err.kind];
    const type = (err as { type?: unknown } | null)?.type;
    return typeof type === 'string' && BODY_PARSER_ERRORS[type] ? BODY_PARSER_ERRORS[type][0] : HttpStatus.INTERNAL_SERVER_ERROR;
  }

  toResponse(err: unknown): { status: number; body: Record<string, unknown> } {
    const parser = bodyParserAnswer(err);
    if (parser) return parser;
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const r = err.getResponse();
      const body = typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message: r };
      if (status >= 500) return this.internal(err, status);
      return { status, body: { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', ...body } };
    }
    if (err instanceof DomainError && err.kind !== 'internal') {
      const status = KIND_STATUS[err.kind];
      return { status, body: { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message: err.message } };
    }
    return this.internal(err, HttpStatus.INTERNAL_SERVER_ERROR);
  }

  private internal(err: unknown, status: number): { status: number; body: Record<string, unknown> } {
    const errorId = randomUUID();
    this.log.error({ errorId, err }, err instanceof Error ? err.message : 'unexpected error');
    const message = err instanceof DomainError ? err.message : 'internal error';
    return { status, body: { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message, errorId } };
  }
}
