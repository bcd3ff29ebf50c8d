// The web UI's files (the Vite build in ui/dist, or in the directory web.uiDir names), served from
// memory: read once at start, so a request can only ever get one of the files that were there —
// no path is ever joined onto the file system — each with a strong ETag, and gzip when the client
// takes it and it helps.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** paths that belong to the API and operations, never to the UI: their 404s stay JSON */
const NOT_UI = /^\/(api|healthz|readyz|metrics)(\/|$)/;

interface StaticFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  /** Vite's hashed file names never change content: cache them for good */
  immutable: boolean;
}

export class StaticSite {
  private constructor(
    readonly dir: string,
    private readonly files: Map<string, StaticFile>,
  ) {}

  /** The build in `dir`, or null when there is none (no index.html). */
  static load(dir: string): StaticSite | null {
    if (!existsSync(join(dir, 'index.html'))) return null;
    const files = new Map<string, StaticFile>();
    for (const file of walk(dir)) {
      const urlPath = '/' + relative(dir, file).split(sep).join('/');
      if (urlPath.endsWith('.map')) continue;
      const body = readFileSync(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024;
      const gzip = compressible ? gzipSync(body, { level: 9 }) : null;
      files.set(urlPath, {
        body,
        gzip: gzip && gzip.length < body.length ? gzip : null,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        immutable: urlPath.startsWith('/assets/'),
      });
    }
    return new StaticSite(dir, files);
  }

  /** the first `ui/dist` with an index.html found walking up from `from` */
  static find(from: string, levels = 5): string | null {
    let dir = from;
    for (let i = 0; i <= levels; i++) {
      const candidate = join(dir, 'ui', 'dist');
      if (existsSync(join(candidate, 'index.html'))) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    return null;
  }

  get size(): number {
    return this.files.size;
  }

  /**
   * Express middleware, mounted after the API's routes: a file of the build, or index.html for any
   * other GET of a page (the app routes in the browser). API paths and missing assets pass on to
   * the 404 handler.
   */
  handler() {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      const path = req.path;
      if (NOT_UI.test(path)) return next();
      let file = this.files.get(path === '/' ? '/index.html' : path);
      if (!file) {
        // a page of the app (/applications/x, /clusters), not a missing file (/assets/x.js)
        const last = path.slice(path.lastIndexOf('/') + 1);
        if (path.startsWith('/assets/') || last.includes('.')) return next();
        file = this.files.get('/index.html')!;
      }
      this.send(req, res, file);
    };
  }

  private send(req: Request, res: Response, file: StaticFile): void {
    res.setHeader('content-type', file.type);
    res.setHeader('etag', file.etag);
    res.setHeader('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.setHeader('vary', 'Accept-Encoding');
    const tags = req.header('if-none-match');
    if (tags && tags.split(',').some((t) => t.trim().replace(/^W\//, '') === file.etag)) {
      res.status(304).end();
      return;
    }
    const gzip = file.gzip && /\bgzip\b/.test(req.header('accept-encoding') ?? '');
    const body = gzip ? file.gzip! : file.body;
    if (gzip) res.setHeader('content-encoding', 'gzip');
    res.setHeader('content-length', String(body.length));
    res.status(200);
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
