// How Flotilla runs git: through simple-git, with an environment built from nothing (no inherited
// GIT_* variables, no system or global config, no terminal prompts, an allow-list of transports)
// and with credentials handed over only through short-lived files and environment variables that
// other users cannot read — never through arguments (visible in `ps`) or the mirror's config.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, SimpleGit } from 'simple-git';
import type { GitTransport } from './git-url';

export type GitCredentials = { type: 'basic'; username: string; password: string } | { type: 'sshKey'; privateKey: string; knownHosts?: string };

/** Where a credential session writes its files; created on demand. */
export interface GitScratch {
  /** empty directory used as HOME, so no ~/.gitconfig, ~/.ssh/config or credential store applies */
  home: string;
  /** parent of the per-operation temporary directories (0700) */
  tmp: string;
}

// The askpass program git calls for a user name and a password. It holds no secret: it echoes
// environment variables of the git process that runs it (readable only by Flotilla's own user).
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$FLOTILLA_GIT_USERNAME" ;;
  *) printf '%s\\n' "$FLOTILLA_GIT_PASSWORD" ;;
esac
`;

export interface GitSession {
  env: Record<string, string>;
  /** secrets to strip from any message produced under this session */
  secrets: string[];
}

export interface SessionOptions {
  transport: GitTransport;
  auth?: GitCredentials;
  /**
   * known_hosts used when `auth.knownHosts` is not given: trust on first use, kept per repository
   * (`StrictHostKeyChecking=accept-new`), so a host key that later changes is refused.
   */
  firstUseKnownHostsFile: string;
  /** transports git may use, e.g. ['https', 'ssh'] */
  allowedTransports: GitTransport[];
  timeoutSeconds: number;
}

// Taken from Flotilla's own environment: how to reach remotes (proxies) and which CAs to trust.
const PASSED_THROUGH = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

export function baseEnv(scratch: GitScratch, allowedTransports: readonly GitTransport[] = []): Record<string, string> {
  const passed = Object.fromEntries(PASSED_THROUGH.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
  return {
    ...passed,
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: scratch.home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    // git refuses any transport not listed here, including ext:: and fd::, whatever the URL says
    GIT_ALLOW_PROTOCOL: allowedTransports.join(':') || 'none',
  };
}

/** Runs `fn` with the environment for one network operation and removes the key files after. */
export async function withGitSession<T>(scratch: GitScratch, options: SessionOptions, fn: (session: GitSession) => Promise<T>): Promise<T> {
  await mkdir(scratch.tmp, { recursive: true, mode: 0o700 });
  await mkdir(scratch.home, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(scratch.tmp, 'session-'));
  try {
    const env = baseEnv(scratch, options.allowedTransports);
    const secrets: string[] = [];
    const auth = options.auth;
    if (auth?.type === 'basic') {
      const askpass = join(dir, 'askpass.sh');
      await writeFile(askpass, ASKPASS_SCRIPT, { mode: 0o700 });
      Object.assign(env, { GIT_ASKPASS: askpass, FLOTILLA_GIT_USERNAME: auth.username, FLOTILLA_GIT_PASSWORD: auth.password });
      secrets.push(auth.password);
    }
    if (options.transport === 'ssh') {
      env.GIT_SSH_COMMAND = await sshCommand(dir, auth?.type === 'sshKey' ? auth : undefined, options);
      env.GIT_SSH_VARIANT = 'ssh';
    }
    return await fn({ env, secrets });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function sshCommand(dir: string, auth: Extract<GitCredentials, { type: 'sshKey' }> | undefined, options: SessionOptions): Promise<string> {
  const args = ['ssh', '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none'];
  args.push('-o', `ConnectTimeout=${Math.max(1, Math.min(options.timeoutSeconds, 60))}`, '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=2');
  if (auth) {
    const keyFile = join(dir, 'identity');
    const key = auth.privateKey.endsWith('\n') ? auth.privateKey : `${auth.privateKey}\n`;
    await writeFile(keyFile, key, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    args.push('-i', keyFile);
  } else {
    args.push('-o', 'PubkeyAuthentication=no');
  }
  if (auth?.knownHosts) {
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, auth.knownHosts.endsWith('\n') ? auth.knownHosts : `${auth.knownHosts}\n`, { mode: 0o600 });
    args.push('-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`);
  } else {
    args.push('-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${options.firstUseKnownHostsFile}`);
  }
  args.push('-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'HashKnownHosts=no');
  return args.map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./=:,@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** No git process of Flotilla's runs longer than this unless its caller says otherwise. */
export const DEFAULT_GIT_TIMEOUT_MS = 300_000;

export interface GitClientOptions {
  env: Record<string, string>;
  /** kills the git process when aborted */
  signal?: AbortSignal;
  /**
   * the commands of this client are killed this long after it was made; default
   * DEFAULT_GIT_TIMEOUT_MS — no git process runs unbounded
   */
  timeoutMs?: number;
  /** per-command `-c` settings (never secrets) */
  config?: string[];
}

/** A simple-git instance for one directory, with exactly the given environment and a deadline. */
export function gitClient(baseDir: string, options: GitClientOptions): SimpleGit {
  const deadline = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS);
  return simpleGit({
    baseDir,
    maxConcurrentProcesses: 2,
    config: options.config ?? [],
    abort: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
    allowEnvironment: Object.keys(options.env),
    // the environment above is built here, not taken from a caller: askpass and ssh command are ours
    unsafe: { allowUnsafeAskPass: true, allowUnsafeSshCommand: true, allowUnsafeConfigPaths: true },
  }).env(options.env);
}

export interface StreamOptions {
  env: Record<string, string>;
  /** the process group is killed after this long; the promise rejects with GitTimeoutError */
  timeoutMs: number;
}

/** A git process killed at its deadline. */
export class GitTimeoutError extends Error {
  override readonly name = 'GitTimeoutError';
}

/**
 * Runs git in `cwd` and hands its stdout to `onData` as it arrives, for output too large to hold
 * (a recursive tree listing). `onData` returns false to stop early: the process is killed and the
 * promise resolves. The process runs in its own group, killed at the deadline.
 */
export function streamGit(cwd: string, args: string[], options: StreamOptions, onData: (chunk: Buffer) => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stopped = false;
    let timedOut = false;
    let stderr = '';
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      if (!onData(chunk)) {
        stopped = true;
        kill();
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) reject(new GitTimeoutError(`git ${args[0]} did not finish within ${Math.round(options.timeoutMs / 1000)} s`));
      else if (stopped || code === 0) resolve();
      else reject(new Error(`git ${args[0]} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}
