// What the CLI does for people at a terminal, needing no cluster: colours only on a terminal and
// never with NO_COLOR, help with examples, shell completion, and trusting a self-signed server
// only through --ca-file / FLOTILLA_CA_FILE.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApp, startApp } from '../support/app';
import { createCertificateAuthority, issueCertificate } from '../testbed/pki';
import { CliUser, shown } from './cli-process';

const run = promisify(execFile);
const ADMIN = 'cli-terminal-admin-token-0123456789ab';

describe('the flotilla command line at a terminal', () => {
  let running: RunningApp;
  let user: CliUser;

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'warn' });
    user = new CliUser();
  });
  afterAll(async () => {
    await running?.close();
    user?.remove();
  });

  const onTerminal = (args: string[], env: Record<string, string>) => user.onTerminal(args, { FLOTILLA_SERVER: running.baseUrl, FLOTILLA_TOKEN: ADMIN, ...env });

  it('paints status words on a terminal, and never with NO_COLOR or into a pipe', async () => {
    const painted = await onTerminal(['audit', 'verify'], {});
    expect(painted).toContain('\x1b[32mok\x1b[0m');
    const plain = await onTerminal(['audit', 'verify'], { NO_COLOR: '1' });
    expect(plain).toMatch(/ok: \d+ entries verified/);
    expect(plain).not.toContain('\x1b[');
    const piped = await user.run(['audit', 'verify'], { env: { FLOTILLA_SERVER: running.baseUrl, FLOTILLA_TOKEN: ADMIN } });
    expect(piped.code, shown(piped)).toBe(0);
    expect(piped.stdout).not.toContain('\x1b[');
  }, 60_000);

  it('has help with examples for the commands people type every day', async () => {
    for (const args of [['--help'], ['app', 'sync', '--help'], ['cluster', 'add', '--help'], ['app', 'diff', '--help']]) {
      const help = await user.run(args);
      expect(help.code, shown(help)).toBe(0);
      expect(help.stdout, args.join(' ')).toMatch(/Examples:\n {2}flotilla /);
    }
    const typo = await user.run(['app', 'snyc']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/Did you mean sync\?/);
  }, 60_000);

  it('completes commands and options in bash', async () => {
    const script = await user.run(['completion', 'bash']);
    expect(script.code, shown(script)).toBe(0);
    const file = join(user.home, 'flotilla.bash');
    writeFileSync(file, script.stdout);
    const complete = async (line: string) => {
      const words = line.split(' ');
      const { stdout } = await run('bash', [
        '-c',
        `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _flotilla; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ]);
      return stdout.split('\n').filter(Boolean);
    };
    expect(await complete('flotilla ap')).toEqual(['app']);
    expect(await complete('flotilla app sy')).toEqual(['sync']);
    expect(await complete('flotilla app sync guestbook --w')).toEqual(['--wait']);
    expect(await complete('flotilla -o json cluster a')).toEqual(['add']);
    expect(await complete('flotilla app list -o y')).toEqual(['yaml']);
    // an argument's choices: the rollout actions
    expect(await complete('flotilla app rollout guestbook a')).toEqual(['approve', 'abort']);
    expect(await complete('flotilla app rollout guestbook --w')).toEqual(['--watch']);
    const zsh = await user.run(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef flotilla\n/);
    expect(zsh.stdout).toContain("'sync:sync an application");
    expect(zsh.stdout).toContain("'app rollout') print -rl -- 'pause:action' 'resume:action' 'approve:action' 'promote:action' 'abort:action' ;;");
  }, 60_000);

  it('trusts a self-signed server only with --ca-file or FLOTILLA_CA_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-tls-'));
    const ca = createCertificateAuthority(dir, 'cl-ca');
    const leaf = issueCertificate(dir, ca, 'server', { commonName: 'flotilla', ipAddresses: ['127.0.0.1'] });
    const upstream = new URL(running.baseUrl);
    // TLS in front of the service, as issue 20's HTTPS will be
    const tls = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      res.on('close', () => out.destroy());
      req.pipe(out);
    });
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    try {
      const env = { FLOTILLA_TOKEN: ADMIN };
      const untrusted = await user.run(['--server', url, 'whoami'], { env });
      expect(untrusted.code, shown(untrusted)).toBe(1);
      expect(untrusted.stderr.trim()).toMatch(
        /^error: cannot verify the TLS certificate of https:\/\/127\.0\.0\.1:\d+ \(\w+\) — trust its CA with --ca-file FILE or FLOTILLA_CA_FILE$/,
      );
      const byOption = await user.run(['--server', url, '--ca-file', ca.cert, 'whoami'], { env });
      expect(byOption.code, shown(byOption)).toBe(0);
      const byEnv = await user.run(['--server', url, 'whoami'], { env: { ...env, FLOTILLA_CA_FILE: ca.cert } });
      expect(byEnv.code, shown(byEnv)).toBe(0);
      // login keeps the CA file with the context
      const login = await user.run(['--ca-file', ca.cert, 'login', url, '--token', ADMIN, '--name', 'cl-tls']);
      expect(login.code, shown(login)).toBe(0);
      const who = await user.run(['whoami', '-o', 'json']);
      expect(JSON.parse(who.stdout)).toMatchObject({ server: url, context: 'cl-tls', tokenAccepted: true });
    } finally {
      await new Promise((done) => tls.close(done));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
