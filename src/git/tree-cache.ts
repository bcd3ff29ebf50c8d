// Exported trees of one mirror, keyed by commit. A commit's tree never changes, so one export
// serves every render of that commit: it is written into a temporary directory, checked for
// symlinks that leave the repository (those are deleted from the export and remembered), then
// renamed into place, and only read after that. Renders hold a lease; unleased exports beyond
// `keep` are removed, least recently used first. No checkout is shared with a fetch: the export
// comes from the object store through a private index file.
//
// A commit is whatever its pusher made it: a git bomb (ten levels of ten references to the same
// tree, 10^10 files from a 2 KiB pack) or a path 3,000 directories deep. So before anything is
// written, the commit's tree is listed (streamed, stopped at the first limit passed) and checked
// against the export limits — files, bytes, depth, path length; a commit over them is refused
// with a TreeLimitError and remembered as refused. Every git process has a deadline, clean-up
// copes with trees of any depth (remove-tree.ts), and messages name repository paths, never
// the host's.
import { lstat, mkdir, mkdtemp, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { GitError, PathEscapeError, PathNotFoundError, TreeLimitError } from './git-errors';
import { GitTimeoutError, gitClient, streamGit } from './git-process';
import { quoteName } from './quote-name';
import { removeTree } from './remove-tree';
import { resolveInside, splitRepositoryPath } from './repository-path';

/** What one exported commit may hold; checked before anything is written. */
export interface ExportLimits {
  /** files (symlinks and submodule entries included) of the whole commit */
  maxFiles: number;
  /** bytes of all its files */
  maxBytes: number;
  /** directories above a file: `a/b/c.yaml` is 2 deep */
  maxDepth: number;
  /** bytes of one path (the host adds its own prefix; PATH_MAX is 4096) */
  maxPathBytes: number;
  /** each git process of an export is killed after this long */
  timeoutMs: number;
}

export const DEFAULT_EXPORT_LIMITS: Readonly<ExportLimits> = Object.freeze({
  maxFiles: 100_000,
  maxBytes: 1024 * 1024 * 1024,
  maxDepth: 64,
  maxPathBytes: 1024,
  timeoutMs: 120_000,
});

/** The configuration key of each limit, as messages name it. */
export const EXPORT_LIMIT_KEYS: Readonly<Record<keyof ExportLimits, string>> = Object.freeze({
  maxFiles: 'git.exportMaxFiles',
  maxBytes: 'git.exportMaxBytes',
  maxDepth: 'git.exportMaxDepth',
  maxPathBytes: 'git.exportMaxPathBytes',
  timeoutMs: 'git.exportTimeoutSeconds',
});

/** commits refused for their content, remembered (a commit never changes) */
const REFUSED_KEPT = 100;

/** A repository path at a commit, exported to disk; call release() when the render is done. */
export interface ExportedTree {
  commit: string;
  /** the whole repository at `commit` (renderers may follow in-repository links and `../base`) */
  root: string;
  /** the requested path inside root, symlinks resolved */
  path: string;
  /** whether `path` is a directory */
  isDirectory: boolean;
  release(): void;
}

interface Entry {
  ready: Promise<void>;
  dir: string;
  /** repository paths of symlinks removed because they lead outside the repository */
  escapingLinks: string[];
  leases: number;
  /** the use counter at the last open or release: least recently used is evicted first */
  lastUsed: number;
}

export class TreeCache {
  private readonly entries = new Map<string, Entry>();
  // each export gets its own directory, so removing an evicted one can never hit a fresh export
  // of the same commit
  private generation = 0;
  // recency by a counter, not the wall clock: no ties within a millisecond, no time to fake in tests
  private uses = 0;

  private readonly refused = new Map<string, TreeLimitError>();
  private readonly limits: ExportLimits;

  constructor(
    private readonly mirrorDir: string,
    private readonly treesDir: string,
    private readonly env: () => Record<string, string>,
    private readonly keep = 8,
    limits: Partial<ExportLimits> = {},
  ) {
    this.limits = { ...DEFAULT_EXPORT_LIMITS };
    for (const key of Object.keys(this.limits) as (keyof ExportLimits)[]) {
      const v = limits[key];
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) this.limits[key] = v;
    }
  }

  /**
   * Clears exports left by an earlier process (they may be half-written, or — from a version
   * without export limits — thousands of levels deep). Should they resist removal, they are
   * moved aside, so that fetches and exports of the repository go on regardless.
   */
  async reset(): Promise<void> {
    try {
      await removeTree(this.treesDir);
    } catch {
      await rename(this.treesDir, `${this.treesDir}.stale-${Date.now()}`).catch(() => undefined);
    }
    await mkdir(this.treesDir, { recursive: true, mode: 0o700 });
  }

  async open(commit: string, path: string): Promise<ExportedTree> {
    const parts = splitRepositoryPath(path);
    const entry = this.entry(commit);
    entry.leases++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      entry.leases--;
      entry.lastUsed = ++this.uses;
      void this.evict();
    };
    try {
      await entry.ready;
      const shown = parts.join('/') || '.';
      const escaping = entry.escapingLinks.find((link) => isWithin(link, parts) || isWithin(parts.join('/'), link.split('/')));
      if (escaping) throw new PathEscapeError(shown, `symlink ${quoteName(escaping)} points outside the repository`);
      const resolved = await resolveInside(entry.dir, parts, shown);
      const full = join(entry.dir, ...resolved);
      const stat = await lstat(full).catch(() => undefined);
      if (!stat) throw new PathNotFoundError(shown, commit);
      return { commit, root: entry.dir, path: full, isDirectory: stat.isDirectory(), release };
    } catch (err) {
      release();
      throw err;
    }
  }

  private entry(commit: string): Entry {
    let entry = this.entries.get(commit);
    const refused = this.refused.get(commit);
    if (!entry && refused) {
      entry = { dir: '', escapingLinks: [], leases: 0, lastUsed: ++this.uses, ready: Promise.reject(refused) };
      entry.ready.catch(() => undefined);
      return entry;
    }
    if (!entry) {
      const created: Entry = { dir: join(this.treesDir, `${commit}.${++this.generation}`), escapingLinks: [], leases: 0, lastUsed: ++this.uses, ready: Promise.resolve() };
      created.ready = this.materialise(commit, created).catch((err) => {
        this.entries.delete(commit);
        if (err instanceof TreeLimitError) this.remember(commit, err);
        throw err;
      });
      this.entries.set(commit, created);
      entry = created;
    }
    entry.lastUsed = ++this.uses;
    return entry;
  }

  private remember(commit: string, err: TreeLimitError): void {
    this.refused.set(commit, err);
    if (this.refused.size > REFUSED_KEPT) this.refused.delete(this.refused.keys().next().value!);
  }

  private async materialise(commit: string, entry: Entry): Promise<void> {
    await this.checkTree(commit);
    await mkdir(this.treesDir, { recursive: true, mode: 0o700 });
    const tmp = await mkdtemp(join(this.treesDir, `.export-${commit.slice(0, 12)}-`));
    try {
      const out = join(tmp, 'tree');
      await mkdir(out);
      const env = { ...this.env(), GIT_INDEX_FILE: join(tmp, 'index') };
      const git = gitClient(this.mirrorDir, { env, timeoutMs: this.limits.timeoutMs });
      await git.raw([`--work-tree=${out}`, 'read-tree', commit]);
      await git.raw([`--work-tree=${out}`, 'checkout-index', '--all', '--force']);
      entry.escapingLinks = await removeEscapingLinks(out);
      await rename(out, entry.dir);
    } catch (err) {
      throw this.describe(err, commit, tmp);
    } finally {
      await removeTree(tmp).catch(() => undefined);
    }
  }

  /**
   * Lists the commit's whole tree (`git ls-tree -r -l -z`, streamed) and refuses it at the first
   * limit it passes: the listing stops there, nothing has been written.
   */
  private async checkTree(commit: string): Promise<void> {
    const { maxFiles, maxBytes, maxDepth, maxPathBytes, timeoutMs } = this.limits;
    let files = 0;
    let bytes = 0;
    let refusal: TreeLimitError | undefined;
    const refuse = (what: string, limit: keyof ExportLimits) => {
      refusal = new TreeLimitError(commit, `${what} (${EXPORT_LIMIT_KEYS[limit]})`);
      return false;
    };
    let rest = Buffer.alloc(0);
    const onRecord = (record: Buffer): boolean => {
      // <mode> SP <type> SP <object> SP <size, padded> TAB <path>
      const tab = record.indexOf(9);
      if (tab < 0) return true;
      const size = Number(record.subarray(0, tab).toString('latin1').trim().split(/\s+/)[3]);
      const path = record.subarray(tab + 1);
      if (++files > maxFiles) return refuse(`it has more than ${maxFiles} files`, 'maxFiles');
      if (Number.isFinite(size)) bytes += size;
      if (bytes > maxBytes) return refuse(`its files add up to more than ${formatSize(maxBytes)}`, 'maxBytes');
      return checkPath(path);
    };
    const checkPath = (path: Buffer, complete = true): boolean => {
      let depth = 0;
      for (const b of path) if (b === 47) depth++;
      if (depth > maxDepth) return refuse(`the path ${shownPath(path)} is ${complete ? '' : 'at least '}${depth} directories deep, more than ${maxDepth}`, 'maxDepth');
      if (path.length > maxPathBytes) return refuse(`the path ${shownPath(path)} is longer than ${maxPathBytes} bytes`, 'maxPathBytes');
      return true;
    };
    const onLongPath = (path: Buffer): boolean => {
      if (++files > maxFiles) return refuse(`it has more than ${maxFiles} files`, 'maxFiles');
      return checkPath(path, false);
    };
    try {
      await streamGit(this.mirrorDir, ['ls-tree', '-r', '-l', '-z', '--full-tree', commit], { env: this.env(), timeoutMs }, (chunk) => {
        let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
        for (let end = data.indexOf(0); end >= 0; end = data.indexOf(0)) {
          if (!onRecord(data.subarray(0, end))) return false;
          data = data.subarray(end + 1);
        }
        // a record this long is a path over the limit: no need to hold more of it
        if (data.length > maxPathBytes + 200) return onLongPath(data.subarray(data.indexOf(9) + 1));
        rest = Buffer.from(data);
        return true;
      });
    } catch (err) {
      throw this.describe(err, commit);
    }
    if (refusal) throw refusal;
  }

  /** An export failure as a message without host paths. */
  private describe(err: unknown, commit: string, tmp?: string): Error {
    if (err instanceof GitError) return err;
    const short = commit.slice(0, 12);
    if (err instanceof GitTimeoutError || (err instanceof Error && /abort/i.test(err.message))) {
      return new GitError(`exporting commit ${short} took longer than ${this.limits.timeoutMs / 1000} s (${EXPORT_LIMIT_KEYS.timeoutMs}); the git process was stopped`);
    }
    let text = err instanceof Error ? err.message : String(err);
    for (const [path, shown] of [
      [tmp, '<export>'],
      [this.treesDir, '<exports>'],
      [this.mirrorDir, '<mirror>'],
    ] as const) {
      if (path) text = text.split(path).join(shown);
    }
    text = text.replace(/\s+/g, ' ').trim().slice(0, 500);
    return new GitError(`exporting commit ${short} failed: ${text}`);
  }

  private async evict(): Promise<void> {
    const idle = [...this.entries.entries()].filter(([, e]) => e.leases === 0).sort(([, a], [, b]) => b.lastUsed - a.lastUsed);
    for (const [commit, entry] of idle.slice(this.keep)) {
      this.entries.delete(commit);
      await entry.ready.catch(() => undefined);
      await removeTree(entry.dir).catch(() => undefined);
    }
  }

  /** Removes every export (the mirror is being deleted). */
  async clear(): Promise<void> {
    this.entries.clear();
    await removeTree(this.treesDir);
  }
}

/** A path from the commit, JSON-quoted (a newline cannot forge a line) and cut at 80 characters. */
function shownPath(path: Buffer): string {
  const text = path.subarray(0, 400).toString('utf8');
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 80))}…` : JSON.stringify(text);
}

function formatSize(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${n} bytes`;
}

/** true when repository path `path` is `base` or lies below it */
function isWithin(path: string, base: string[]): boolean {
  const parts = path.split('/');
  return base.length <= parts.length && base.every((b, i) => parts[i] === b);
}

async function removeEscapingLinks(root: string): Promise<string[]> {
  const escaping: string[] = [];
  const links = await findSymlinks(root, []);
  for (const link of links) {
    try {
      await resolveInside(root, link, link.join('/'));
    } catch (err) {
      if (!(err instanceof PathEscapeError)) throw err;
      escaping.push(link.join('/'));
    }
  }
  // deleted only after every link is checked, so a chain is judged on the tree as committed
  for (const link of escaping) await unlink(join(root, link));
  return escaping;
}

async function findSymlinks(root: string, dir: string[]): Promise<string[][]> {
  const found: string[][] = [];
  for (const entry of await readdir(join(root, ...dir), { withFileTypes: true })) {
    if (entry.isSymbolicLink()) found.push([...dir, entry.name]);
    else if (entry.isDirectory()) found.push(...(await findSymlinks(root, [...dir, entry.name])));
  }
  return found;
}
