// Every registered repository's mirror, refreshed on demand with coalescing: however many polls,
// webhooks and applications ask for one repository at once, at most one fetch runs and one more
// waits. Each fetch's outcome — the branch head, whether it moved, or why the fetch failed — goes
// to the one `onFetched` sink exactly once, before the callers' promises settle; this layer keeps
// no status of its own (the Nest layer stores it in the repository's row and publishes moves).
// Scheduling stays outside too: the Nest layer calls refresh(name) on its schedule and on pushes.
import { type Clock, systemClock } from '../shared/clock';
import { CoalescingRefresh } from '../shared/coalescing-refresh';
import { GitError } from './git-errors';
import { GitMirror, GitMirrorOptions } from './git-mirror';
import type { GitCredentials } from './git-process';
import type { GitUrlPolicy } from './git-url';
import { redactText, repositoryKey } from './git-url';

export interface RepositorySpec {
  name: string;
  url: string;
  /** branch whose head is the repository's `revision`; default `main` */
  branch?: string;
  auth?: GitCredentials;
}

export interface RefreshResult {
  /** the tracked branch */
  branch: string;
  /** SHA of the branch head; undefined when the remote has no such branch */
  revision?: string;
  /** the head the mirror held before this fetch */
  previousRevision?: string;
  /** every branch and tag: full ref name → SHA */
  refs: Record<string, string>;
  /** the branch head changed (or appeared) with this fetch */
  moved: boolean;
  fetchedAt: Date;
  /** '' when the branch was found, else why there is no revision */
  message: string;
}

/** One fetch's outcome: the result, or why it failed (redacted). */
export type FetchOutcome = { ok: true; result: RefreshResult } | { ok: false; message: string; at: Date };

export interface RepositoryMirrorsOptions {
  baseDir: string;
  fetchTimeoutSeconds?: number;
  urlPolicy?: GitUrlPolicy;
  keepTrees?: number;
  exportLimits?: GitMirrorOptions['exportLimits'];
  housekeeping?: GitMirrorOptions['housekeeping'];
  clock?: Clock;
  /** told of every fetch exactly once, before the refresh() promises of its callers settle */
  onFetched?: (repository: string, outcome: FetchOutcome) => Promise<void> | void;
}

export class UnknownRepositoryError extends GitError {
  override readonly kind = 'notFound';
  constructor(readonly repository: string) {
    super(`repository "${repository}" is not registered`);
  }
}

interface Registered {
  mirror: GitMirror;
  branch: string;
}

export class RepositoryMirrors {
  private readonly repositories = new Map<string, Registered>();
  private readonly refreshes = new CoalescingRefresh<RefreshResult>((name) => this.fetchNow(name));
  private readonly clock: Clock;

  constructor(private readonly options: RepositoryMirrorsOptions) {
    this.clock = options.clock ?? systemClock;
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
      exportLimits: this.options.exportLimits,
      housekeeping: this.options.housekeeping,
      clock: this.clock,
    };
    const mirror = new GitMirror(options);
    this.repositories.set(spec.name, { mirror, branch: spec.branch ?? 'main' });
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

  /** Names of the registered repositories one of `cloneUrls` points at (webhook matching). */
  match(cloneUrls: readonly string[]): string[] {
    const keys = new Set(cloneUrls.map(repositoryKey).filter((k): k is string => !!k));
    return [...this.repositories.entries()].filter(([, r]) => keys.has(repositoryKey(r.mirror.url) ?? '')).map(([name]) => name);
  }

  /**
   * Fetches the repository, coalesced: resolves with a fetch that started after this call.
   * Rejects with the (redacted) fetch error.
   */
  refresh(name: string): Promise<RefreshResult> {
    this.get(name);
    return this.refreshes.trigger(name);
  }

  private async fetchNow(name: string): Promise<RefreshResult> {
    const entry = this.get(name);
    const ref = `refs/heads/${entry.branch}`;
    let outcome: FetchOutcome;
    try {
      const { refs, previousRefs } = await entry.mirror.fetch();
      const revision = refs[ref];
      const previousRevision = previousRefs[ref];
      outcome = {
        ok: true,
        result: {
          branch: entry.branch,
          revision,
          previousRevision,
          refs,
          moved: !!revision && revision !== previousRevision,
          fetchedAt: this.clock.date(),
          message: revision ? '' : `branch "${entry.branch}" not found in the repository`,
        },
      };
    } catch (err) {
      const message = err instanceof GitError ? err.message : redactText(String(err));
      await this.report(name, { ok: false, message, at: this.clock.date() });
      throw err;
    }
    await this.report(name, outcome);
    return outcome.result;
  }

  private async report(name: string, outcome: FetchOutcome): Promise<void> {
    try {
      await this.options.onFetched?.(name, outcome);
    } catch {
      // the sink's trouble must not turn a good fetch into a failed one
    }
  }

  private get(name: string): Registered {
    const entry = this.repositories.get(name);
    if (!entry) throw new UnknownRepositoryError(name);
    return entry;
  }
}
