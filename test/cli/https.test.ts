// Issue 20 end to end: Flotilla serving HTTPS with its own self-signed CA, and the CLI trusting
// exactly that CA (never a "skip verification").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../support/app';
import { CliUser, shown } from './cli-process';

const ADMIN = 'cli-https-admin-token-0123456789abc';

describe('the CLI against Flotilla over HTTPS (selfSigned)', () => {
  let running: RunningApp;
  const user = new CliUser();

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'warn', FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' });
  });
  afterAll(() => running?.close());

  it('refuses the server without its CA, and talks to it with the CA file the service wrote', async () => {
    expect(running.baseUrl).toMatch(/^https:\/\//);
    const ca = join(running.dataDir, 'tls-ca.crt');
    const untrusted = await user.run(['--server', running.baseUrl, 'whoami'], { env: { FLOTILLA_TOKEN: ADMIN } });
    expect(untrusted.code, shown(untrusted)).toBe(1);
    expect(untrusted.stderr).toContain('--ca-file');
    const login = await user.run(['--ca-file', ca, 'login', running.baseUrl, '--token', ADMIN, '--name', 'tls-local']);
    expect(login.code, shown(login)).toBe(0);
    const tokens = await user.run(['token', 'list', '-o', 'json']);
    expect(tokens.code, shown(tokens)).toBe(0);
    // an env-var admin token is not stored as a token; a token created through the CLI is listed
    const created = await user.run(['token', 'create', 'tls-viewer', '--role', 'viewer', '-o', 'json']);
    expect(created.code, shown(created)).toBe(0);
    const listed = await user.run(['token', 'list', '-o', 'json']);
    expect(JSON.parse(listed.stdout).map((t: { name: string }) => t.name)).toContain('tls-viewer');
  }, 90_000);
});
