// Security headers on every response (helmet): no MIME sniffing, no framing, no Referer, a strict
// Content Security Policy, and HSTS on responses that went out over TLS. API answers are not
// stored by any cache.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * The policy of everything Flotilla serves except the OpenAPI UI: the JSON API, and the web UI
 * served as static files at `/` (a Vite build: `<script type="module" src>` and `<link
 * rel="stylesheet">` from this origin, styles set from script through the CSSOM, API calls and
 * live events to this origin). Nothing inline, nothing from another origin, no plugins, no
 * <base>, no framing, forms post only here.
 */
export const STRICT_CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

/**
 * The OpenAPI UI at /api/docs (Swagger UI as @nestjs/swagger serves it). Its scripts are files
 * from this origin, so script-src stays 'self' — no inline or evaluated script. Its page carries
 * two inline <style> blocks and a style="" attribute whose text depends on @nestjs/swagger's
 * version and options, so style-src allows inline styles on that page only. That is bounded:
 * without script, CSS can only read the page through selectors and leak it through URLs, and
 * default-src (fonts), img-src and connect-src still allow this origin alone.
 */
export const DOCS_CSP: Record<string, string[]> = { ...STRICT_CSP, 'style-src': ["'self'", "'unsafe-inline'"] };

export const DOCS_PATH = '/api/docs';

/** one year; no includeSubDomains or preload: the names beside Flotilla's are not Flotilla's to bind */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * The JSON API and the operations endpoints: their answers (errors included) carry
 * `Cache-Control: no-store`, so neither a browser nor a proxy keeps a copy of fleet state, audit
 * entries or tokens. A route may set its own (the event stream does). The web UI's files and the
 * OpenAPI UI's keep their own caching.
 */
export const NO_STORE_PATHS = /^\/(api\/v1|healthz|readyz|metrics)(\/|$)/i; // Express routes ignore case

const common = {
  xContentTypeOptions: true,
  xFrameOptions: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
  // decided per request below
  strictTransportSecurity: false,
};

/**
 * One middleware for every response. HSTS goes out when the request came over TLS (`req.secure`):
 * Flotilla's own HTTPS, or — with `trust proxy` set from server.trustedProxies — a trusted
 * proxy's `X-Forwarded-Proto: https`. Never over plain HTTP, where a browser ignores it anyway
 * and an attacker could not be stopped by it.
 */
export function securityHeaders(): RequestHandler {
  const strict = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: STRICT_CSP } });
  const docs = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } });
  const hsts = helmet.strictTransportSecurity({ maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false, preload: false });
  return (req: Request, res: Response, next: NextFunction) => {
    // the page only; its script and style files, and the document, get the strict policy
    const headers = req.path === DOCS_PATH || req.path === `${DOCS_PATH}/` ? docs : strict;
    headers(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (NO_STORE_PATHS.test(req.path)) res.setHeader('cache-control', 'no-store');
      if (req.secure) hsts(req, res, next);
      else next();
    });
  };
}
