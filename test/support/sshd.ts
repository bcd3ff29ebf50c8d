// A real OpenSSH server (Debian's openssh-server) on a loopback port for tests: its own host key,
// one generated client key in authorized_keys, config in a temporary directory, and git's
// upload-pack reached over it like any forge's `git@host:repo`. Runs as root (the test user),
// so URLs are `ssh://root@127.0.0.1:PORT/<absolute path to the bare repository>`.
import { execFile, spawn, ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './git-server';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface SshKeyPair {
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
}

/** Generates an ed25519 key pair with ssh-keygen. */
export async function generateSshKey(comment = 'flotilla-test'): Promise<SshKeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-key-'));
  try {
    const file = join(dir, 'key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
    return { privateKey: await readFile(file, 'utf8'), publicKey: (await readFile(`${file}.pub`, 'utf8')).trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export class TestSshServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    /** the client key authorised to log in */
    readonly clientKey: SshKeyPair,
    /** the server's public host key, `ssh-ed25519 AAAA…` */
    readonly hostPublicKey: string,
    private readonly log: string[],
  ) {}

  static async start(): Promise<TestSshServer> {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-sshd-'));
    await chmod(dir, 0o700);
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKeyFile = join(dir, 'ssh_host_ed25519_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'flotilla-test-host', '-f', hostKeyFile]);
    const hostPublicKey = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    const clientKey = await generateSshKey('flotilla-test-client');
    const authorizedKeys = join(dir, 'authorized_keys');
    await writeFile(authorizedKeys, `${clientKey.publicKey}\n`, { mode: 0o600 });
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // the temp directory lives under /tmp (world-writable), which StrictModes would reject
      'StrictModes no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel VERBOSE',
    ].join('\n');
    const configFile = join(dir, 'sshd_config');
    await writeFile(configFile, `${config}\n`, { mode: 0o600 });
    const log: string[] = [];
    const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => log.push(d.toString()));
    const server = new TestSshServer(child, dir, port, clientKey, hostPublicKey, log);
    await server.waitUntilListening();
    return server;
  }

  /** URL of a bare repository at an absolute path on this machine. */
  url(repositoryDir: string): string {
    return `ssh://root@127.0.0.1:${this.port}${repositoryDir}`;
  }

  /** The known_hosts line for this server. */
  get knownHostsLine(): string {
    return `[127.0.0.1]:${this.port} ${this.hostPublicKey}`;
  }

  /** Public-key logins sshd accepted so far (one per git fetch over ssh). */
  get acceptedLogins(): number {
    return this.log
      .join('')
      .split('\n')
      .filter((l) => l.includes('Accepted publickey')).length;
  }

  get output(): string {
    return this.log.join('');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`sshd exited: ${this.output}`);
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not listen on ${this.port}: ${this.output}`);
  }
}
