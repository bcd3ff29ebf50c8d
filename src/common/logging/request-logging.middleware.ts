import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { requestContext } from './request-context';
import { FAILURE } from './request-failure';

const VALID_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when sane), echoes it, logs the outcome:
 * one line per request, and for a 5xx the error's kind and message (left by the exception filter).
 */
export function requestLogging(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.header('x-request-id');
    const requestId = given && VALID_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = { requestId, method: req.method, path: req.path, status: res.statusCode, durationMs: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) log.error({ ...entry, error: res.locals?.[FAILURE] }, 'request failed');
      else if (req.path === '/healthz' || req.path === '/readyz' || req.path === '/metrics') log.debug(entry, 'request');
      else log.info(entry, 'request');
    });
    // req.ip: the socket's peer, or what X-Forwarded-For says when that peer is a trusted proxy
    requestContext.run({ requestId, sourceAddress: req.ip }, () => next());
  };
}
