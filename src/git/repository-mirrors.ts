// Every registered repository's mirror, refreshed on demand with coalescing: however many polls,
// webhooks and applications ask for one repository at once, at most one fetch runs and one more
// waits. After each fetch the tracked branch is compared with what the mirror held before and a
// `RevisionMoved` event is published when it changed. Scheduling stays outside: the Nest layer
// calls refresh(name) from its interval and from the webhook receiver.
import { CoalescingRefresh } from '../shared/coalescing-refresh';
import { GitError } from './git-errors';
import { GitMirror, GitMirrorOptions } from './git-mirror';
import type { GitCredentials } from './git-process';
import type { GitUrlPolicy } from './git-url';
import { redact, repositoryKey } from './git-url';

export interface RepositorySpec {
  name: string;
  url: string;
  /** branch whose head is the repository's `revision`; default `main` */
  branch?: string;
  auth?: GitCredentials;
}

export interface RepositoryStatus {
  /** SHA of the branch head after the last successful fetch */
  revision?: string;
  lastFetchedAt?: Date;
  /** '' after a good fetch, else why the last one failed (redacted) */
  message: string;
}

export interface RevisionMoved {
  repository: string;
  branch: string;
  /** SHA the mirror held before the fetch, undefined when the branch was new to it */
  from?: string;
  to: string;
}

export interface RefreshResult {
  revision?: string;
  /** every branch and tag: full ref name → SHA */
  refs: Record<string, string>;
  moved: boolean;
  fetchedAt: Date;
}

export interface RepositoryMirrorsOptions {
  baseDir: string;
  fetchTimeoutSeconds?: number;
  urlPolicy?: GitUrlPolicy;
  keepTrees?: number;
  housekeeping?: GitMirrorOptions['housekeeping'];
  now?: () => Date;
}

export class UnknownRepositoryError extends GitError {
  constructor(readonly repository: string) {
    super(`repository "${repository}" is not registered`);
  }
}

interface Registered {
  mirror: GitMirror;
  branch: string;
  status: RepositoryStatus;
}

export class RepositoryMirrors {
  private readonly repositories = new Map<string, Registered>();
  private readonly listeners = new Set<(event: RevisionMoved) => void>();
  private readonly refreshes = new CoalescingRefresh<RefreshResult>((name) => this.fetchNow(name));
  private readonly now: () => Date;

  constructor(private readonly options: RepositoryMirrorsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Adds a repository or updates its URL, branch and credentials; validates the URL. */
  register(spec: RepositorySpec): GitMirror {
    const existing = this.repositories.get(spec.name);
    if (existing) {
      existing.mirror.configure({ url: spec.url, auth: spec.auth ?? null });
      existing.branch = spec.branch ?? 'main';
      return existing.mirror;
    }
    const options: GitMirrorOptions = {
      name: spec.name,
      url: spec.url,
      auth: spec.auth,
      baseDir: this.options.baseDir,
      fetchTimeoutSeconds: this.options.fetchTimeoutSeconds,
      urlPolicy: this.options.urlPolicy,
      keepTrees: this.options.keepTrees,
      housekeeping: this.options.housekeeping,
    };
    const mirror = new GitMirror(options);
    this.repositories.set(spec.name, { mirror, branch: spec.branch ?? 'main', status: { message: '' } });
    return mirror;
  }

  /** Forgets a repository; with removeFiles, deletes its mirror and exports from disk. */
  async unregister(name: string, removeFiles = true): Promise<void> {
    const entry = this.repositories.get(name);
    if (!entry) return;
    this.repositories.delete(name);
    if (removeFiles) await entry.mirror.remove();
  }

  mirror(name: string): GitMirror {
    return this.get(name).mirror;
  }

  status(name: string): RepositoryStatus {
    return { ...this.get(name).status };
  }

  /** Names of the registered repositories one of `cloneUrls` points at (webhook matching). */
  match(cloneUrls: readonly string[]): string[] {
    const keys = new Set(cloneUrls.map(repositoryKey).filter((k): k is string => !!k));
    return [...this.repositories.entries()].filter(([, r]) => keys.has(repositoryKey(r.mirror.url) ?? '')).map(([name]) => name);
  }

  /** Subscribes to branch-head moves; returns the unsubscribe function. */
  onMoved(listener: (event: RevisionMoved) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Fetches the repository, coalesced: resolves with a fetch that started after this call.
   * Rejects with the (redacted) fetch error, which also lands in status().message.
   */
  refresh(name: string): Promise<RefreshResult> {
    this.get(name);
    return this.refreshes.trigger(name);
  }

  private async fetchNow(name: string): Promise<RefreshResult> {
    const entry = this.get(name);
    const ref = `refs/heads/${entry.branch}`;
    try {
      const { refs, previousRefs } = await entry.mirror.fetch();
      const before = previousRefs[ref];
      const fetchedAt = this.now();
      const revision = refs[ref];
      entry.status = {
        revision,
        lastFetchedAt: fetchedAt,
        message: revision ? '' : `branch "${entry.branch}" not found in the repository`,
      };
      const moved = !!revision && revision !== before;
      if (moved) this.publish({ repository: name, branch: entry.branch, from: before, to: revision });
      return { revision, refs, moved, fetchedAt };
    } catch (err) {
      const message = err instanceof GitError ? err.message : redact(String(err));
      entry.status = { ...entry.status, message };
      throw err;
    }
  }

  private publish(event: RevisionMoved): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a failing subscriber must not fail the fetch or starve the others
      }
    }
  }

  private get(name: string): Registered {
    const entry = this.repositories.get(name);
    if (!entry) throw new UnknownRepositoryError(name);
    return entry;
  }
}
