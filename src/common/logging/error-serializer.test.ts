import { Logger } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AllExceptionsFilter } from '../errors/exception.filter';
import { serializeError, withoutLiterals } from './error-serializer';
import { createRootLogger, JsonLogger } from './logger';

const SEALED = 'v1:0badc0de:bm9uY2Vub25jZQ:Y2lwaGVydGV4dC1jYW5hcnktNDcxNQ';

/** What TypeORM throws when SQLite refuses an UPDATE: the statement, its values, the driver's error. */
function queryFailed(): QueryFailedError {
  const driverError = Object.assign(new Error('NOT NULL constraint failed: repositories.branch'), { name: 'SqliteError', code: 'SQLITE_CONSTRAINT_NOTNULL' });
  return new QueryFailedError(
    `UPDATE "repositories" SET "branch" = ?, "webhookSecret" = ?, "note" = 'inline-canary-4716' WHERE "name" = ?`,
    [null, SEALED, 'visible-repo'],
    driverError,
  );
}

function memoryLogger() {
  const lines: string[] = [];
  const sink: DestinationStream = { write: (line: string) => void lines.push(line) };
  return { log: createRootLogger('debug', sink), lines, text: () => lines.join('') };
}

describe('the error serializer', () => {
  it('logs a failed statement without its parameters or inlined values, keeping what explains it', () => {
    const { log, lines, text } = memoryLogger();
    log.error({ err: queryFailed(), errorId: 'e-1' }, 'request failed');
    expect(text()).not.toContain(SEALED);
    expect(text()).not.toContain('inline-canary-4716');
    expect(text()).not.toContain('"parameters"');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({
      errorId: 'e-1',
      err: {
        type: 'QueryFailedError',
        message: expect.stringContaining('NOT NULL constraint failed: repositories.branch'),
        code: 'SQLITE_CONSTRAINT_NOTNULL',
        query: `UPDATE "repositories" SET "branch" = ?, "webhookSecret" = ?, "note" = ? WHERE "name" = ?`,
        driverError: { type: 'Error', code: 'SQLITE_CONSTRAINT_NOTNULL', message: 'NOT NULL constraint failed: repositories.branch' },
      },
    });
    expect(line.err.stack).toContain('QueryFailedError');
  });

  it("does so wherever the error sits: under error, as Nest's logged error, nested, as a cause, or passed to pino alone", () => {
    const { log, text } = memoryLogger();
    log.warn({ error: queryFailed() }, 'under error');
    log.warn({ err: { context: { failure: queryFailed() } } }, 'nested');
    log.warn({ err: new Error('wrapped', { cause: queryFailed() }) }, 'cause');
    log.warn({ err: new AggregateError([queryFailed()], 'several') }, 'aggregate');
    log.error(queryFailed());
    new JsonLogger(log).error(queryFailed());
    new JsonLogger(log).error({ errorId: 'e-2', err: queryFailed() }, 'through Nest', 'Errors');
    expect(text().split('\n').filter(Boolean)).toHaveLength(7);
    expect(text()).not.toContain(SEALED);
    expect(text()).not.toContain('"parameters"');
    expect(text()).not.toContain('inline-canary-4716');
    expect(text()).toContain('NOT NULL constraint failed');
  });

  it('leaves the original error untouched, and plain objects, circles and depth harmless', () => {
    const err = queryFailed();
    serializeError(err);
    expect(err.parameters).toEqual([null, SEALED, 'visible-repo']);
    const circular: Record<string, unknown> = { name: 'loop', parameters: [SEALED] };
    circular.self = circular;
    expect(serializeError(circular)).toEqual({ name: 'loop', self: '[Circular]' });
    let deep: Record<string, unknown> = { parameters: [SEALED] };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(serializeError(deep))).not.toContain(SEALED);
    expect(serializeError({ kind: 'internal', message: 'internal error' })).toEqual({ kind: 'internal', message: 'internal error' });
    expect(serializeError('text')).toBe('text');
  });

  it('takes string and blob literals out of SQL text, escaped quotes and an unterminated one included', () => {
    expect(withoutLiterals(`SELECT * FROM t WHERE a = 'x''y' AND b = X'00ff' AND c = ? AND "d" = 'open`)).toBe(`SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND "d" = ?`);
    expect(withoutLiterals('x'.repeat(5000))).toHaveLength(2001);
  });

  it('is what the exception filter logs a 500 with', () => {
    const { log, text } = memoryLogger();
    Logger.overrideLogger(new JsonLogger(log));
    try {
      const answer = new AllExceptionsFilter().toResponse(queryFailed());
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error', errorId: expect.any(String) });
      expect(text()).toContain(answer.body.errorId as string);
      expect(text()).toContain('SQLITE_CONSTRAINT_NOTNULL');
      expect(text()).not.toContain(SEALED);
      expect(text()).not.toContain('"parameters"');
    } finally {
      Logger.overrideLogger(false);
    }
  });
});
