// Real git repositories for tests, served over smart HTTP by `git http-backend` (run as CGI by a
// small node:http server on 127.0.0.1), with optional basic auth, a request log to count real
// fetches, and switches to hold or hang requests; plus `git daemon` for git:// and helpers that
// commit files, symlinks and deletions into a repository and return the commit's SHA.
import { execFile, spawn, ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { freePort } from './ports';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';
const GIT_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LANG: 'C' };

export async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: { ...GIT_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** A file's new content, a symlink, or null to delete it. */
export type FileChange = string | { symlink: string } | null;

export interface CommitOptions {
  message?: string;
  author?: { name: string; email: string };
  branch?: string;
}

/** A bare repository as a remote would hold it, with a work tree beside it to commit from. */
export class TestRepository {
  private constructor(
    readonly name: string,
    /** the bare repository served to clients */
    readonly dir: string,
    private readonly work: string,
  ) {}

  static async create(root: string, name: string, branch = 'main'): Promise<TestRepository> {
    const dir = join(root, `${name}.git`);
    const work = join(root, '.work', name);
    await mkdir(dir, { recursive: true });
    await mkdir(work, { recursive: true });
    await git(dir, ['init', '--quiet', '--bare', `--initial-branch=${branch}`]);
    await git(dir, ['config', 'http.receivepack', 'true']);
    await git(work, ['init', '--quiet', `--initial-branch=${branch}`]);
    return new TestRepository(name, dir, work);
  }

  /** Writes, links and deletes files, commits them and pushes to the bare repository. */
  async commit(files: Record<string, FileChange>, options: CommitOptions = {}): Promise<string> {
    const branch = options.branch ?? (await this.currentBranch());
    await git(this.work, ['checkout', '--quiet', '-B', branch]);
    for (const [path, change] of Object.entries(files)) {
      const full = join(this.work, path);
      await unlink(full).catch(() => undefined);
      if (change === null) continue;
      await mkdir(dirname(full), { recursive: true });
      if (typeof change === 'string') await writeFile(full, change);
      else await symlink(change.symlink, full);
    }
    await git(this.work, ['add', '--all']);
    const author = options.author ?? { name: 'Test Author', email: 'author@example.test' };
    const identity = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.test' };
    await git(this.work, ['commit', '--quiet', '--allow-empty', '-m', options.message ?? 'change'], identity);
    await git(this.work, ['push', '--quiet', '--force', this.dir, `HEAD:refs/heads/${branch}`]);
    return git(this.work, ['rev-parse', 'HEAD']);
  }

  async tag(name: string, sha: string, message?: string): Promise<void> {
    const args = message ? ['tag', '-a', '-m', message, name, sha] : ['tag', name, sha];
    await git(this.work, args, { GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.test' });
    await git(this.work, ['push', '--quiet', this.dir, `refs/tags/${name}`]);
  }

  async head(branch = 'main'): Promise<string> {
    return git(this.dir, ['rev-parse', `refs/heads/${branch}`]);
  }

  private async currentBranch(): Promise<string> {
    return git(this.work, ['symbolic-ref', '--short', 'HEAD']);
  }
}

export interface GitRequest {
  method: string;
  /** path below the server root, e.g. `/app.git/info/refs` */
  path: string;
  service?: string;
  status: number;
  user?: string;
}

export interface GitHttpServerOptions {
  /** require basic auth with exactly these credentials */
  auth?: { username: string; password: string };
  /** directory holding the repositories; a new temporary one by default */
  root?: string;
}

/** `git http-backend` behind node:http on 127.0.0.1 (smart HTTP: clone, fetch and push). */
export class GitHttpServer {
  readonly requests: GitRequest[] = [];
  private held: (() => void)[] = [];
  private holding = false;
  private readonly hanging = new Set<string>();
  private readonly open = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly root: string,
    private readonly auth: GitHttpServerOptions['auth'],
  ) {}

  static async start(options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
    const root = options.root ?? (await mkdtemp(join(tmpdir(), 'flotilla-git-http-')));
    // the handler reads `self` only for requests, which come after it is set below
    const server = createServer((req, res) => self.handle(req, res));
    const self = new GitHttpServer(server, root, options.auth);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  createRepository(name: string, branch = 'main'): Promise<TestRepository> {
    return TestRepository.create(this.root, name, branch);
  }

  url(name: string): string {
    return `http://127.0.0.1:${this.port}/${name}.git`;
  }

  /** Fetches (and clones) served so far for a repository: successful upload-pack ref adverts. */
  fetchCount(name: string): number {
    return this.requests.filter((r) => r.path === `/${name}.git/info/refs` && r.service === 'git-upload-pack' && r.status === 200).length;
  }

  /** Holds every upload-pack request until the returned function is called. */
  hold(): () => void {
    this.holding = true;
    return () => {
      this.holding = false;
      for (const go of this.held.splice(0)) go();
    };
  }

  /** Number of requests waiting in hold(). */
  get heldCount(): number {
    return this.held.length;
  }

  /** Accepts requests for the repository and never answers them (a hung remote). */
  hang(name: string): void {
    this.hanging.add(`/${name}.git/`);
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    this.server.close();
    await rm(this.root, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry: GitRequest = { method: req.method ?? 'GET', path: url.pathname, service: url.searchParams.get('service') ?? undefined, status: 0 };
    this.requests.push(entry);
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    if ([...this.hanging].some((prefix) => url.pathname.startsWith(prefix))) return;
    if (this.auth) {
      const given = req.headers.authorization ?? '';
      const expected = 'Basic ' + Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64');
      if (given !== expected) {
        entry.status = 401;
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' }).end('unauthorized\n');
        return;
      }
      entry.user = this.auth.username;
    }
    const go = () => this.cgi(req, res, url, entry);
    const isUploadPack = entry.service === 'git-upload-pack' || url.pathname.endsWith('/git-upload-pack');
    if (this.holding && isUploadPack) this.held.push(go);
    else go();
  }

  private cgi(req: IncomingMessage, res: ServerResponse, url: URL, entry: GitRequest): void {
    const env: Record<string, string> = {
      ...GIT_ENV,
      GIT_PROJECT_ROOT: this.root,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
    };
    if (entry.user) env.REMOTE_USER = entry.user;
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = value;
    }
    const child: ChildProcess = spawn(HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    req.pipe(child.stdin!);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(name, value);
      }
      entry.status = status;
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => res.end());
    child.on('error', () => res.destroy());
  }
}

/** `git daemon` serving a directory over git:// on 127.0.0.1 (read-only, every repository). */
export class GitDaemon {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(root: string): Promise<GitDaemon> {
    const port = await freePort();
    const child = spawn(
      'git',
      ['daemon', '--verbose', '--reuseaddr', '--export-all', `--base-path=${root}`, '--listen=127.0.0.1', `--port=${port}`, '--informative-errors', root],
      {
        env: GIT_ENV,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('git daemon did not start')), 10_000);
      child.stderr.on('data', (d: Buffer) => {
        if (d.toString().includes('Ready to rumble')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`git daemon exited with ${code}`)));
    });
    return new GitDaemon(child, port);
  }

  url(name: string): string {
    return `git://127.0.0.1:${this.port}/${name}.git`;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

export { freePort };
