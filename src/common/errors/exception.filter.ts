import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { FetchError, GitUrlError, PathEscapeError, PathNotFoundError, RevisionNotFoundError, UnknownRepositoryError } from '../../git';
import { ClusterUnreachableError, CredentialsError, KubeApiError, TlsVerificationError } from '../../kube';
import { DomainError } from './domain-errors';

/**
 * Errors of the plain-TypeScript layers (git, kube), which know nothing of HTTP, and the status
 * each means for an API client. Checked in order; the first class that matches wins.
 */
const LAYER_ERRORS: [new (...args: never[]) => Error, number][] = [
  [GitUrlError, 400],
  [PathEscapeError, 422],
  [PathNotFoundError, 404],
  [RevisionNotFoundError, 404],
  [UnknownRepositoryError, 404],
  [FetchError, 502],
  [CredentialsError, 422],
  [TlsVerificationError, 502],
  [ClusterUnreachableError, 502],
  [KubeApiError, 502],
];

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
 * Every error becomes Nest's shape `{ statusCode, error, message }`. Domain errors map by their
 * status; anything unexpected is a 500 with an error id that is logged with the stack.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly log = new Logger('Errors');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const { status, body } = this.toResponse(err);
    res.status(status).json(body);
  }

  toResponse(err: unknown): { status: number; body: Record<string, unknown> } {
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const r = err.getResponse();
      const body = typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message: r };
      if (status >= 500) return this.internal(err, status);
      return { status, body: { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', ...body } };
    }
    if (err instanceof DomainError && err.status < 500) {
      return { status: err.status, body: { statusCode: err.status, error: STATUS_TEXT[err.status] ?? 'Error', message: err.message } };
    }
    const layer = LAYER_ERRORS.find(([cls]) => err instanceof cls);
    if (layer) {
      const status = layer[1];
      return { status, body: { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message: (err as Error).message } };
    }
    const type = (err as { type?: unknown })?.type;
    if (typeof type === 'string' && BODY_PARSER_ERRORS[type] && BODY_PARSER_ERRORS[type][0] < 500) {
      const [status, message] = BODY_PARSER_ERRORS[type];
      return { status, body: { statusCode: status, error: STATUS_TEXT[status], message } };
    }
    return this.internal(err, err instanceof DomainError ? err.status : HttpStatus.INTERNAL_SERVER_ERROR);
  }

  private internal(err: unknown, status: number): { status: number; body: Record<string, unknown> } {
    const errorId = randomUUID();
    this.log.error({ errorId, err }, err instanceof Error ? err.message : 'unexpected error');
    const message = err instanceof DomainError ? err.message : 'internal error';
    return { status, body: { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', message, errorId } };
  }
}
