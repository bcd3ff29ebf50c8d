// The `flotilla` command as a person runs it: bin/flotilla.js in a child process, with a HOME of
// its own (so ~/.config/flotilla is the test's), a clean environment and a time limit; and a
// small HTTP proxy that records what the CLI sends to the API.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'flotilla.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** A person's shell: a home directory of their own; `run` starts the CLI in it. */
export class CliUser {
  readonly home = mkdtempSync(join(tmpdir(), 'flotilla-cli-home-'));

  run(args: string[], opts: CliOptions = {}): Promise<CliResult> {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.home, ...opts.env };
    // detached: a time-out kills the CLI and anything it started
    const child = spawn(process.execPath, [BIN, ...args], { cwd: this.home, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.stdin.end(opts.input ?? '');
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, opts.timeoutMs ?? 120_000);
    return new Promise((done, fail) => {
      child.on('error', fail);
      child.on('close', (code) => {
        clearTimeout(killer);
        done({ code, stdout, stderr });
      });
    });
  }

  /**
   * The CLI under script(1), so that its stdout and stderr are a terminal; both come back in one
   * text, as a terminal shows them. No FLOTILLA_* variable but those in `env`.
   */
  async onTerminal(args: string[], env: Record<string, string> = {}): Promise<string> {
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    try {
      const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.home, TERM: 'xterm', ...env },
        timeout: 120_000,
      });
      return stdout;
    } catch (e) {
      // a non-zero exit of the CLI (script -e passes it on): what the terminal showed still counts
      if (typeof (e as { stdout?: unknown }).stdout === 'string' && (e as { code?: unknown }).code !== undefined) return (e as { stdout: string }).stdout;
      throw e;
    }
  }

  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** `what` of a result, for assertion messages */
export const shown = (r: CliResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

export interface RecordedRequest {
  method: string;
  path: string;
  body: string;
}

/** An HTTP proxy in front of the service that keeps every request it forwards. */
export async function recordingProxy(target: string): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', path: req.url ?? '', body: body.toString('utf8') });
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      // a client that hangs up (the CLI closing the event stream) ends the upstream request too
      res.on('close', () => out.destroy());
      out.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
