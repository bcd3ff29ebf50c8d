// Exported trees of one mirror, keyed by commit. A commit's tree never changes, so one export
// serves every render of that commit: it is written into a temporary directory, checked for
// symlinks that leave the repository (those are deleted from the export and remembered), then
// renamed into place, and only read after that. Renders hold a lease; unleased exports beyond
// `keep` are removed, least recently used first. No checkout is shared with a fetch: the export
// comes from the object store through a private index file.
import { lstat, mkdir, mkdtemp, readdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PathEscapeError, PathNotFoundError } from './git-errors';
import { gitClient } from './git-process';
import { resolveInside, splitRepositoryPath } from './repository-path';

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

  constructor(
    private readonly mirrorDir: string,
    private readonly treesDir: string,
    private readonly env: () => Record<string, string>,
    private readonly keep = 8,
  ) {}

  /** Clears exports left by an earlier process (they may be half-written). */
  async reset(): Promise<void> {
    await rm(this.treesDir, { recursive: true, force: true });
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
      if (escaping) throw new PathEscapeError(shown, `symlink ${escaping} points outside the repository`);
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
    if (!entry) {
      const created: Entry = { dir: join(this.treesDir, `${commit}.${++this.generation}`), escapingLinks: [], leases: 0, lastUsed: ++this.uses, ready: Promise.resolve() };
      created.ready = this.materialise(commit, created).catch((err) => {
        this.entries.delete(commit);
        throw err;
      });
      this.entries.set(commit, created);
      entry = created;
    }
    entry.lastUsed = ++this.uses;
    return entry;
  }

  private async materialise(commit: string, entry: Entry): Promise<void> {
    await mkdir(this.treesDir, { recursive: true, mode: 0o700 });
    const tmp = await mkdtemp(join(this.treesDir, `.export-${commit.slice(0, 12)}-`));
    try {
      const out = join(tmp, 'tree');
      await mkdir(out);
      const env = { ...this.env(), GIT_INDEX_FILE: join(tmp, 'index') };
      const git = gitClient(this.mirrorDir, { env });
      await git.raw([`--work-tree=${out}`, 'read-tree', commit]);
      await git.raw([`--work-tree=${out}`, 'checkout-index', '--all', '--force']);
      entry.escapingLinks = await removeEscapingLinks(out);
      await rename(out, entry.dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async evict(): Promise<void> {
    const idle = [...this.entries.entries()].filter(([, e]) => e.leases === 0).sort(([, a], [, b]) => b.lastUsed - a.lastUsed);
    for (const [commit, entry] of idle.slice(this.keep)) {
      this.entries.delete(commit);
      await entry.ready.catch(() => undefined);
      await rm(entry.dir, { recursive: true, force: true });
    }
  }

  /** Removes every export (the mirror is being deleted). */
  async clear(): Promise<void> {
    this.entries.clear();
    await rm(this.treesDir, { recursive: true, force: true });
  }
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
