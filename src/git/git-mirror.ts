// One bare mirror of one remote repository. The remote URL is never written to the mirror's
// config (fetches name it on the command line, which is safe because URLs with credentials are
// refused), credentials live only for the length of one fetch, and fetches of one mirror run one
// at a time under a mutex and are killed after a timeout. Reads (resolve, commit info, export)
// touch only immutable objects and are not serialised with fetches: git writes new packs and then
// moves refs atomically, so a read at an older commit is undisturbed by a fetch in flight.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FetchError, GitError, RevisionNotFoundError, classifyFetchFailure } from './git-errors';
import { GitCredentials, GitScratch, baseEnv, gitClient, withGitSession } from './git-process';
import { GitUrl, GitUrlPolicy, GitTransport, parseGitUrl, redactText } from './git-url';
import { type Clock, systemClock } from '../shared/clock';
import { SerialQueue } from '../shared/serial-queue';
import { removeTree } from './remove-tree';
import { ExportedTree, ExportLimits, TreeCache } from './tree-cache';

export interface GitMirrorOptions {
  /** repository name (DNS-1123 label): names the mirror's directories */
  name: string;
  url: string;
  auth?: GitCredentials;
  /** parent of mirrors/, trees/, known_hosts/, home/ and tmp/, e.g. `<dataDir>/git` */
  baseDir: string;
  /** whole-fetch deadline; the git process is killed when it passes */
  fetchTimeoutSeconds?: number;
  urlPolicy?: GitUrlPolicy;
  /** unleased exported trees kept per mirror */
  keepTrees?: number;
  /** what one exported commit may hold, and how long its git processes may run (tree-cache.ts) */
  exportLimits?: Partial<ExportLimits>;
  /** when a fetch leaves more than this many loose objects or packs, the mirror is repacked */
  housekeeping?: { looseObjects?: number; packs?: number };
  /** the fetch deadline and durations; default the system clock */
  clock?: Clock;
}

export interface FetchResult {
  /** every branch and tag after the fetch: full ref name → commit SHA (tags peeled) */
  refs: Record<string, string>;
  /** the same just before the fetch, read under the fetch lock */
  previousRefs: Record<string, string>;
  durationMs: number;
}

export interface CommitInfo {
  sha: string;
  shortSha: string;
  subject: string;
  authorName: string;
  authorEmail: string;
  authoredAt: string;
}

const SHA = /^[0-9a-f]{40}$/;
const SHORT_SHA = /^[0-9a-f]{4,39}$/;
const REF_NAME = /^(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)[A-Za-z0-9_][A-Za-z0-9._/+-]*$/;

/** revisions remembered between fetches (branches, tags and SHAs in use: a handful per repository) */
const MAX_RESOLVED = 1000;

export class GitMirror {
  readonly name: string;
  /** the bare repository */
  readonly dir: string;
  private remote: GitUrl;
  private auth?: GitCredentials;
  private readonly scratch: GitScratch;
  private readonly knownHostsFile: string;
  private readonly timeoutSeconds: number;
  private readonly policy: GitUrlPolicy;
  private readonly fetchLock = new SerialQueue();
  /**
   * Revisions resolved since the last fetch: every target's check asks for its revision, and a
   * `git rev-parse` per target per interval cost a process spawn each (1,000 targets: ~5 s of
   * CPU). Refs move only by a fetch, which starts a new generation and empties this.
   */
  private resolved = new Map<string, string>();
  private generation = 0;
  private readonly trees: TreeCache;
  private readonly housekeeping: { looseObjects: number; packs: number };
  private readonly clock: Clock;
  private initialised?: Promise<void>;

  constructor(options: GitMirrorOptions) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.name) || options.name.length > 63) {
      throw new GitError(`repository name "${options.name}" is not a DNS-1123 label`);
    }
    this.name = options.name;
    this.policy = options.urlPolicy ?? {};
    this.remote = parseGitUrl(options.url, this.policy);
    this.auth = options.auth;
    this.timeoutSeconds = options.fetchTimeoutSeconds ?? 120;
    this.clock = options.clock ?? systemClock;
    this.dir = join(options.baseDir, 'mirrors', `${this.name}.git`);
    this.scratch = { home: join(options.baseDir, 'home'), tmp: join(options.baseDir, 'tmp') };
    this.knownHostsFile = join(options.baseDir, 'known_hosts', this.name);
    this.trees = new TreeCache(this.dir, join(options.baseDir, 'trees', this.name), () => this.localEnv(), options.keepTrees, options.exportLimits);
    this.housekeeping = { looseObjects: options.housekeeping?.looseObjects ?? 6700, packs: options.housekeeping?.packs ?? 50 };
  }

  /** Replaces URL and credentials (e.g. a PATCH rotating a token); takes effect on the next fetch. */
  configure(update: { url?: string; auth?: GitCredentials | null }): void {
    if (update.url !== undefined) this.remote = parseGitUrl(update.url, this.policy);
    if (update.auth !== undefined) this.auth = update.auth ?? undefined;
  }

  get url(): string {
    return this.remote.url;
  }

  /** Creates the bare repository if missing; safe to call often. */
  init(): Promise<void> {
    this.initialised ??= this.doInit().catch((err) => {
      this.initialised = undefined;
      throw err;
    });
    return this.initialised;
  }

  private async doInit(): Promise<void> {
    await mkdir(join(this.dir, '..'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.knownHostsFile, '..'), { recursive: true, mode: 0o700 });
    await mkdir(this.scratch.home, { recursive: true, mode: 0o700 });
    const exists = await stat(join(this.dir, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const git = gitClient(this.dir, { env: this.localEnv() });
      await git.raw(['init', '--bare', '--quiet']);
      // no background gc: it could prune objects a concurrent export still reads
      await git.raw(['config', 'gc.auto', '0']);
      await git.raw(['config', 'fetch.fsckObjects', 'true']);
    }
    await this.trees.reset();
  }

  /** Fetches every branch and tag from the remote (pruning deleted ones), one fetch at a time. */
  async fetch(): Promise<FetchResult> {
    await this.init();
    return this.fetchLock.run(async () => {
      const started = this.clock.now();
      const previousRefs = await this.refs();
      await withGitSession(this.scratch, this.sessionOptions(), async (session) => {
        const abort = new AbortController();
        const timer = this.clock.after(this.timeoutSeconds * 1000, () => abort.abort());
        const git = gitClient(this.dir, {
          env: session.env,
          signal: abort.signal,
          // the fetch's own deadline (above) ends it first, with its own message
          timeoutMs: (this.timeoutSeconds + 30) * 1000,
          // curl gives up on a stalled transfer too, so no helper process outlives the deadline
          config: ['http.lowSpeedLimit=1', `http.lowSpeedTime=${this.timeoutSeconds}`],
        });
        try {
          await git.raw(['fetch', '--quiet', '--prune', '--no-write-fetch-head', '--', this.remote.url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
        } catch (err) {
          if (abort.signal.aborted) {
            throw new FetchError('timeout', `fetching ${this.describe()} timed out after ${this.timeoutSeconds}s; the git process was stopped`);
          }
          const text = redactText(errorText(err), [...session.secrets, this.auth?.type === 'sshKey' ? this.auth.privateKey : undefined]);
          throw new FetchError(classifyFetchFailure(text), `fetching ${this.describe()} failed: ${text}`);
        } finally {
          timer.cancel();
          // refs moved (a fetch that failed part-way may have moved some): resolve anew
          this.generation++;
          this.resolved = new Map();
        }
      });
      const refs = await this.refs();
      // only a fetch that moved a ref brought objects; a no-op poll costs no housekeeping check
      if (!sameRefs(previousRefs, refs)) await this.tidy();
      return { refs, previousRefs, durationMs: this.clock.now() - started };
    });
  }

  /**
   * Keeps the cost of fetches and reads from growing with the mirror's history: every fetch adds
   * loose objects or a pack, so once there are more than the thresholds (git's own defaults), the
   * mirror is repacked in the foreground, under the fetch lock. Reads need no lock: a repack
   * writes the new pack before it deletes the old ones, and only unreachable objects older than
   * two weeks are pruned, never anything a branch, a tag or a recent export points at.
   */
  private async tidy(): Promise<void> {
    const { looseObjects, packs } = this.housekeeping;
    try {
      await this.git().raw([
        '-c',
        'gc.autoDetach=false',
        '-c',
        `gc.auto=${looseObjects}`,
        '-c',
        `gc.autoPackLimit=${packs}`,
        '-c',
        'gc.pruneExpire=2.weeks.ago',
        '-c',
        'gc.reflogExpire=never',
        'gc',
        '--auto',
        '--quiet',
      ]);
    } catch {
      // housekeeping is best effort: the next fetch tries again
    }
  }

  /** Every branch and tag in the mirror: full ref name → commit SHA (annotated tags peeled). */
  async refs(): Promise<Record<string, string>> {
    await this.init();
    const out = await this.git().raw(['for-each-ref', '--format=%(refname) %(objectname) %(*objectname)', 'refs/heads', 'refs/tags']);
    const refs: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const [ref, object, peeled] = line.trim().split(' ');
      if (ref && object) refs[ref] = peeled || object;
    }
    return refs;
  }

  /** Resolves a branch, tag, full or abbreviated SHA to a full commit SHA. */
  async resolve(revision: string): Promise<string> {
    const known = this.resolved.get(revision);
    if (known) return known;
    const generation = this.generation;
    const sha = await this.resolveWithGit(revision);
    if (generation === this.generation) {
      if (this.resolved.size >= MAX_RESOLVED) this.resolved.clear();
      this.resolved.set(revision, sha);
    }
    return sha;
  }

  private async resolveWithGit(revision: string): Promise<string> {
    await this.init();
    const rev = revision.trim();
    if (!REF_NAME.test(rev)) throw new RevisionNotFoundError(revision);
    // a full SHA is unambiguous; an abbreviated one loses to a branch or tag of the same name
    const candidates = rev.startsWith('refs/') ? [rev] : [`refs/heads/${rev}`, `refs/tags/${rev}`];
    if (SHA.test(rev)) candidates.unshift(rev);
    else if (SHORT_SHA.test(rev)) candidates.push(rev);
    for (const candidate of candidates) {
      const sha = await this.git()
        .raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`])
        .then(
          (s) => s.trim(),
          () => '',
        );
      if (SHA.test(sha)) return sha;
    }
    throw new RevisionNotFoundError(revision);
  }

  /** Subject and author of a commit, for notifications. */
  async commitInfo(revision: string): Promise<CommitInfo> {
    const sha = await this.resolve(revision);
    const out = await this.git().raw(['show', '-s', '--no-color', '--format=%H%x00%s%x00%an%x00%ae%x00%aI', sha, '--']);
    const [full, subject, authorName, authorEmail, authoredAt] = out.trim().split('\0');
    return { sha: full, shortSha: full.slice(0, 7), subject, authorName, authorEmail, authoredAt };
  }

  /**
   * Exports the repository at `revision` and returns `path` inside it; refuses paths leaving the
   * repository (PathEscapeError). The export is shared by every reader of that commit and stays
   * until released; call `release()` when done.
   */
  async export(revision: string, path: string): Promise<ExportedTree> {
    const sha = await this.resolve(revision);
    return this.trees.open(sha, path);
  }

  /** Deletes the mirror, its exports and its first-use known_hosts from disk. */
  async remove(): Promise<void> {
    await this.fetchLock.run(async () => {
      await this.trees.clear();
      await removeTree(this.dir);
      await rm(this.knownHostsFile, { force: true });
      this.initialised = undefined;
    });
  }

  private git() {
    return gitClient(this.dir, { env: this.localEnv() });
  }

  private localEnv(): Record<string, string> {
    return baseEnv(this.scratch, []);
  }

  private sessionOptions() {
    const allowed: GitTransport[] = [this.remote.transport === 'ssh' ? 'ssh' : this.remote.transport];
    if (this.remote.transport === 'https' || this.remote.transport === 'http') allowed.push('https');
    return { transport: this.remote.transport, auth: this.auth, firstUseKnownHostsFile: this.knownHostsFile, allowedTransports: allowed, timeoutSeconds: this.timeoutSeconds };
  }

  private describe(): string {
    return `repository ${this.name} (${redactText(this.remote.url)})`;
  }
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.trim().replace(/\s+/g, ' ').slice(0, 2000);
}

function sameRefs(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
