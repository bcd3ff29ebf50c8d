import type { NextFunction, Request, Response } from 'express';

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\b/i;

/**
 * How deeply objects and arrays may nest in a request body. The deepest real request (an
 * application with a label selector and Helm values) is far below it; class-transformer and
 * class-validator recurse once per level and run out of stack around a thousand levels, which
 * would be a 500 for something a client sent.
 */
export const MAX_BODY_DEPTH = 64;

/** Before the JSON parser: a request that carries a body must say it is JSON (415 otherwise). */
export function requireJsonContentType(req: Request, res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    res.status(415).json({ statusCode: 415, error: 'Unsupported Media Type', message: 'request body must be application/json' });
    return;
  }
  next();
}

/**
 * After the JSON parser, before anything transforms or validates it: the body must be a JSON
 * object, never an array or a scalar, nested at most MAX_BODY_DEPTH levels (400 otherwise).
 */
export function requireObjectBody(req: Request, res: Response, next: NextFunction): void {
  if (req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
    res.status(400).json({ statusCode: 400, error: 'Bad Request', message: 'request body must be a JSON object' });
    return;
  }
  if (req.body !== undefined && exceedsDepth(req.body, MAX_BODY_DEPTH)) {
    res.status(400).json({ statusCode: 400, error: 'Bad Request', message: `request body nests objects and arrays deeper than ${MAX_BODY_DEPTH} levels` });
    return;
  }
  next();
}

/**
 * Whether objects and arrays in `value` nest deeper than `limit` (the value itself is level 1).
 * Iterative, so no depth of input can exhaust the stack here; it stops at the first path past
 * the limit, and the JSON parser's size limit bounds the rest.
 */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
