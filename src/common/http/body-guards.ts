import type { NextFunction, Request, Response } from 'express';

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\b/i;

/** Before the JSON parser: a request that carries a body must say it is JSON (415 otherwise). */
export function requireJsonContentType(req: Request, res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    res.status(415).json({ statusCode: 415, error: 'Unsupported Media Type', message: 'request body must be application/json' });
    return;
  }
  next();
}

/** After the JSON parser: the body must be a JSON object, never an array or a scalar (400). */
export function requireObjectBody(req: Request, res: Response, next: NextFunction): void {
  if (req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
    res.status(400).json({ statusCode: 400, error: 'Bad Request', message: 'request body must be a JSON object' });
    return;
  }
  next();
}
