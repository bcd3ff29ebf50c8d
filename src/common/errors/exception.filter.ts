import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, type ErrorKind, RateLimitedError } from '../../shared/errors';

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
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
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
    res.status(status).json(body);
  }

  /** the status `err` is answered with */
  static statusOf(err: unknown): number {
    if (err instanceof HttpException) return err.getStatus();
    if (err instanceof DomainError) return KIND_STATUS[err.kind];
    const type = (err as { type?: unknown } | null)?.type;
    return typeof type === 'string' && BODY_PARSER_ERRORS[type] ? BODY_PARSER_ERRORS[type][0] : HttpStatus.INTERNAL_SERVER_ERROR;
  }

  toResponse(err: unknown): { status: number; body: Record<string, unknown> } {
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
    const type = (err as { type?: unknown })?.type;
    if (typeof type === 'string' && BODY_PARSER_ERRORS[type] && BODY_PARSER_ERRORS[type][0] < 500) {
      const [status, message] = BODY_PARSER_ERRORS[type];
      return { status, body: { statusCode: status, error: STATUS_TEXT[status], message } };
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
