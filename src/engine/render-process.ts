// Running a renderer (kubectl kustomize, kustomize, helm) as a child process that can do no harm
// to the service: its own empty temporary directory as cwd, HOME and TMPDIR, an environment made
// only of what the caller lists (no service secrets, no kubeconfig, no credential helpers), a
// deadline, and a cap on what it may print. It runs in a process group of its own, and the whole
// group is killed at the deadline or the cap, so nothing it started outlives it.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { RenderError } from './render';

/** How much of stderr is kept while a process runs, and how much a message shows. */
const STDERR_KEEP = 64 * 1024;
const STDERR_SHOWN = 2000;

export interface ProcessLimits {
  /** the process group is killed after this long */
  timeoutMs: number;
  /** stdout beyond this many bytes kills the process group and fails the run */
  maxOutputBytes: number;
}

/** Defaults for the render configuration: a minute, 32 MiB of manifests. */
export const DEFAULT_LIMITS: ProcessLimits = { timeoutMs: 60_000, maxOutputBytes: 32 * 1024 * 1024 };

export interface RunRequest extends ProcessLimits {
  /** an absolute path (see resolveExecutable) */
  command: string;
  args: readonly string[];
  cwd: string;
  /** the complete environment: nothing of the service's own is inherited */
  env: Record<string, string>;
  signal?: AbortSignal;
}

export type ProcessFailureReason = 'exit' | 'timeout' | 'output' | 'spawn' | 'signal' | 'aborted';

/**
 * A renderer process that did not produce its output. `exit`, `timeout` and `output` are about
 * what it was given to render; `spawn`, `signal` (killed by someone else) and `aborted` are not.
 */
export class ProcessFailure extends Error {
  override readonly name = 'ProcessFailure';
  constructor(
    readonly reason: ProcessFailureReason,
    message: string,
    /** stderr, whitespace-trimmed, at most the last 64 KiB */
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Runs a process to completion and returns its stdout; throws ProcessFailure otherwise. */
export function runProcess(req: RunRequest): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const name = req.command.split('/').pop();
    if (req.signal?.aborted) return reject(new ProcessFailure('aborted', `${name} was not started: the render was cancelled`, ''));
    const child = spawn(req.command, req.args, {
      cwd: req.cwd,
      env: req.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // a process group of its own (setsid): killing -pid reaches everything it started
      detached: true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let failure: ProcessFailure | undefined;
    let settled = false;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    const fail = (f: ProcessFailure) => {
      failure ??= f;
      killGroup();
    };
    const timer = setTimeout(() => fail(new ProcessFailure('timeout', `${name} did not finish within ${seconds(req.timeoutMs)}; it was killed`, '')), req.timeoutMs);
    const onAbort = () => fail(new ProcessFailure('aborted', `${name} was killed: the render was cancelled`, ''));
    req.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (failure) return;
      outBytes += chunk.length;
      if (outBytes > req.maxOutputBytes) {
        fail(new ProcessFailure('output', `${name} printed more than ${bytes(req.maxOutputBytes)} of output; it was killed`, ''));
        return;
      }
      out.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      if (err.length > 2 * STDERR_KEEP) err = err.slice(-STDERR_KEEP);
    });

    const finish = (f: ProcessFailure | undefined, stdout?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      // a grandchild may still hold the group: it does not outlive the render
      killGroup();
      if (f) reject(f);
      else resolvePromise(stdout!);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(new ProcessFailure('spawn', `${name} could not be started (${e.code ?? e.message})`, ''));
    });
    // 'close' waits for stdout and stderr to be closed by every process holding them
    child.on('close', (code, signal) => {
      const stderr = err.slice(-STDERR_KEEP).trim();
      if (failure) return finish(new ProcessFailure(failure.reason, failure.message, stderr));
      if (signal) return finish(new ProcessFailure('signal', `${name} was killed by ${signal}`, stderr));
      if (code !== 0) return finish(new ProcessFailure('exit', `${name} failed (exit code ${code})${stderr ? `: ${shorten(stderr)}` : ''}`, stderr));
      finish(undefined, Buffer.concat(out, outBytes).toString('utf8'));
    });
  });
}

/** Last part of a long text, for a message. */
export function shorten(text: string, max = STDERR_SHOWN): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(-max)}`;
}

/**
 * A private temporary directory for one render — cwd, HOME, TMPDIR, and whatever config files
 * the renderer gets — removed afterwards whatever happened.
 */
export async function withScratch<T>(fn: (scratch: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(tmpdir(), 'flotilla-render-'));
  try {
    await mkdir(join(scratch, 'home'), { mode: 0o700 });
    await mkdir(join(scratch, 'tmp'), { mode: 0o700 });
    await mkdir(join(scratch, 'bin'), { mode: 0o700 });
    return await fn(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The environment every renderer starts from: HOME, TMPDIR and XDG dirs in the scratch directory,
 * no kubeconfig, and PATH = an empty directory (nothing to run: no git for remote bases, no
 * plugins) unless `path` is given.
 */
export function cleanEnv(scratch: string, path?: string): Record<string, string> {
  const home = join(scratch, 'home');
  return {
    PATH: path ?? join(scratch, 'bin'),
    HOME: home,
    TMPDIR: join(scratch, 'tmp'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    KUBECONFIG: join(home, 'no-kubeconfig'),
    LANG: 'C.UTF-8',
  };
}

/**
 * An absolute path for a configured binary: an absolute path is kept, a bare name is looked up
 * on the service's PATH once (the renderer's own PATH is empty). Undefined when not found.
 */
export async function resolveExecutable(command: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  const candidates = isAbsolute(command)
    ? [command]
    : command.includes('/')
      ? []
      : path
          .split(delimiter)
          .filter(isAbsolute)
          .map((d) => join(d, command));
  for (const candidate of candidates) {
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/**
 * Proxy settings for a renderer. Without remote sources: every HTTP(S) request a Go program makes
 * goes to a closed port — a second fence behind the checks of the references themselves (Go
 * never proxies loopback, which those checks cover). With them: the service's own proxy settings.
 */
export function networkEnv(allowRemote: boolean): Record<string, string> {
  if (!allowRemote) return { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '' };
  const env: Record<string, string> = {};
  for (const key of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * A ProcessFailure about the content (exit, timeout, output cap) becomes a RenderError naming
 * `file`, with the renderer's message (`pick` chooses the lines of stderr that matter) and with
 * absolute paths replaced by what a reader knows (`paths`: the repository root → '', the scratch
 * directory → a name). A failure that is not about the content — the binary missing, the process
 * killed from outside, the render cancelled — stays an ordinary Error, so it is not taken as a
 * property of the commit.
 */
export function renderFailure(e: unknown, file: string, what: string, paths: [string, string][], pick: (stderr: string) => string = (s) => s): unknown {
  if (!(e instanceof ProcessFailure)) return e;
  if (e.reason === 'exit') {
    let detail = pick(e.stderr);
    for (const [from, to] of paths) detail = detail.split(from).join(to);
    detail = shorten(detail);
    return new RenderError(file, undefined, `${what} failed${detail ? `: ${detail}` : ` (${e.message})`}`);
  }
  if (e.reason === 'timeout' || e.reason === 'output') return new RenderError(file, undefined, e.message, e.reason === 'timeout');
  return new Error(`${file}: ${e.message}`);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

function bytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
