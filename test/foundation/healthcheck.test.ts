// The Docker image's HEALTHCHECK (node dist/src/healthcheck.js): it must follow the service's own
// configuration — HTTPS when server.tls is on, the configured port — or a TLS deployment is
// reported unhealthy for ever.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { healthUrl, loopbackFor, probe } from '../../src/healthcheck';
import { startApp, type RunningApp } from '../support/app';

const root = resolve(__dirname, '../..');

/** the script as the image runs it, with the service's environment; its exit code and stderr */
function runHealthcheck(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--require', createRequire(__filename).resolve('@swc-node/register'), resolve(root, 'src/healthcheck.ts')],
      {
        cwd: root,
        env: { PATH: process.env.PATH, SWC_NODE_PROJECT: resolve(root, 'tsconfig.json'), NODE_ENV: 'test', ...env },
        timeout: 60_000,
      },
      (error, _stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('healthcheck', () => {
  const running: RunningApp[] = [];
  afterAll(async () => {
    for (const r of running) await r.close();
  });

  it.each([
    ['plain HTTP', {}],
    ['HTTPS with the self-signed pair', { FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }],
  ])(
    'exits 0 against a service serving %s, and 1 once it is gone',
    async (_what, extra: Record<string, string>) => {
      const app = await startApp({ FLOTILLA_LOG_LEVEL: 'warn', ...extra });
      running.push(app);
      const port = new URL(app.baseUrl).port;
      const env = { FLOTILLA_DATA_DIR: app.dataDir, FLOTILLA_PORT: port, FLOTILLA_SERVER__HOST: '0.0.0.0', ...extra };
      expect(healthUrl({ NODE_ENV: 'test', ...env }).href).toBe(`${new URL(app.baseUrl).protocol}//127.0.0.1:${port}/healthz`);
      expect(await runHealthcheck(env)).toEqual({ code: 0, stderr: '' });
      await app.close();
      running.pop();
      const after = await runHealthcheck(env);
      expect(after.code).toBe(1);
      expect(after.stderr).toContain(`127.0.0.1:${port}/healthz did not answer 200`);
    },
    90_000,
  );

  it('reports an invalid configuration instead of probing', async () => {
    const result = await runHealthcheck({ FLOTILLA_PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('server.port');
  }, 60_000);

  it('asks the loopback address for a wildcard listener and the given address otherwise', async () => {
    expect(loopbackFor('0.0.0.0')).toBe('127.0.0.1');
    expect(loopbackFor('::')).toBe('::1');
    expect(loopbackFor('10.1.2.3')).toBe('10.1.2.3');
    expect(await probe(new URL('http://127.0.0.1:1/healthz'), 500)).toBe(false);
  });
});
