// Boots the real application in-process: real config loading, a real SQLite file with the real
// migrations, a real HTTP listener on loopback. Log lines are captured for assertions.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.factory';
import { SELF_SIGNED_CA_FILE } from '../../src/common/http/self-signed';
import { servesHttps } from '../../src/common/http/tls';
import { createRootLogger } from '../../src/common/logging/logger';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import type { Clock } from '../../src/shared/clock';

export interface RunningApp {
  app: NestExpressApplication;
  config: AppConfig;
  baseUrl: string;
  dataDir: string;
  /** every log line written so far, raw JSON text */
  logs: string[];
  /**
   * fetch for baseUrl: the global one over plain HTTP; over HTTPS one that trusts `ca` only (and
   * opens a new connection per request), never one that skips verification
   */
  fetch: FetchLike;
  /** over HTTPS: the PEM CA certificate `fetch` trusts */
  ca?: string;
  close(): Promise<void>;
}

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface StartOptions {
  dataDir?: string;
  keepDataDir?: boolean;
  clock?: Clock;
  /**
   * With server.tls on: the CA file the helper trusts. Default: $FLOTILLA_CA_FILE, else, with
   * selfSigned, the CA certificate the service made in its data directory (tls-ca.crt).
   */
  caFile?: string;
}

/** kubectl (for kustomize) and helm from the test bed's binaries, when the run has them */
export function renderTools(): Record<string, string> {
  const bin = process.env.FLOTILLA_TESTBED_BIN;
  return bin ? { FLOTILLA_RENDER__KUBECTL: join(bin, 'kubectl'), FLOTILLA_RENDER__HELM: join(bin, 'helm') } : {};
}

export async function startApp(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<RunningApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'flotilla-app-'));
  const config = loadConfig({
    env: { NODE_ENV: 'test', FLOTILLA_DATA_DIR: dataDir, FLOTILLA_PORT: '0', FLOTILLA_LOG_LEVEL: 'info', ...renderTools(), ...env },
  });
  config.server.host = '127.0.0.1';
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await createApp(config, createRootLogger(config.log.level, sink), { clock: opts.clock });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const https = servesHttps(config);
  const caFile = https ? (opts.caFile ?? process.env.FLOTILLA_CA_FILE ?? (config.server.tls.selfSigned ? join(dataDir, SELF_SIGNED_CA_FILE) : undefined)) : undefined;
  const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
  return {
    app,
    config,
    baseUrl: `${https ? 'https' : 'http'}://127.0.0.1:${port}`,
    dataDir,
    logs,
    fetch: https ? caFetch(ca ?? []) : (url, init) => fetch(url, init),
    ca,
    async close() {
      await app.close();
      if (!opts.dataDir && !opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fetch over HTTPS that trusts `ca` and nothing else (Node 20's global fetch takes no CA). Each
 * request opens its own connection, so it sees the certificate served at that moment. Enough of
 * fetch for tests: method, headers, a string or byte body, and the Response it gives back.
 * `ca: []` trusts nothing: every certificate is refused.
 */
export function caFetch(ca: string | Buffer | Array<string | Buffer>): FetchLike {
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : Buffer.from(init.body as ArrayBuffer);
      const req = httpsRequest(new URL(url), { method: init.method ?? 'GET', headers, ca, agent: false, signal: init.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
          }
          const status = res.statusCode ?? 0;
          const nullBody = [101, 204, 205, 304].includes(status) || init.method === 'HEAD';
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: responseHeaders }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
}
