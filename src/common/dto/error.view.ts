import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** Every error answer, whoever produced it (exception filter, body guards, webhook receiver). */
export class ErrorView {
  @ApiProperty({ type: 'integer', example: 404 })
  statusCode!: number;

  @ApiProperty({ example: 'Not Found' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'what went wrong; for invalid input one message per field',
    example: 'cluster "prod-eu" not found',
  })
  message!: string | string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'only on 5xx answers: the id under which the error was logged' })
  errorId?: string;
}

/** The statuses a route may declare; 500 is declared on every route by `ApiErrors`. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 502 | 503;

const DESCRIPTIONS: Record<ErrorStatus | 500, string> = {
  400: 'invalid input; the message names the field and why',
  401: 'no bearer token, or an invalid or revoked one',
  403: "the token's role is too low for this route",
  404: 'nothing of that name',
  409: 'the name is taken, or the resource is still in use',
  413: 'request body too large (server.bodyLimitBytes)',
  415: 'request body is not application/json',
  422: 'well-formed but impossible',
  429: 'too many failed authentications from this address',
  500: "Flotilla's own fault; errorId names the log entry",
  502: 'a cluster or git remote Flotilla depends on failed or could not be reached',
  503: 'not ready',
};

/**
 * Declares a route's error answers, all in the one `ErrorView` shape, so a generated client has
 * one error type. 500 is always declared: any route can meet a fault of Flotilla's own.
 */
export function ApiErrors(...statuses: ErrorStatus[]) {
  const all = [...new Set<ErrorStatus | 500>([...statuses, 500])].sort((a, b) => a - b);
  return applyDecorators(
    ...all.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        type: ErrorView,
        ...(status === 429 ? { headers: { 'retry-after': { description: 'seconds until this address may try again', schema: { type: 'integer' } } } } : {}),
      }),
    ),
  );
}
