import { join } from 'node:path';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Scheduler } from '../common/scheduler';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { type ExportLimits, type FetchOutcome, type GitMirror, type RefreshResult, RepositoryMirrors } from '../git';
import { Clock } from '../shared/clock';
import { RepositoryEvents } from './repository-events';
import { RepositorySecrets } from './repository-secrets';
import { Repository } from './repository.entity';

/** ±10 % per poll, so many repositories with one interval do not fetch in lockstep */
const POLL_JITTER = 0.1;

/**
 * The mirrors of the stored repositories: registers each one, polls it on its own interval,
 * fetches on demand (coalesced by the git layer), and records each fetch's outcome in the
 * repository's row — the only place a repository's status lives — then publishes a move.
 */
@Injectable()
export class RepositoryFetches implements OnApplicationBootstrap {
  private readonly log = new Logger(RepositoryFetches.name);
  private readonly mirrors: RepositoryMirrors;
  /** repositories a push webhook asked to fetch since their last fetch: a move they see is the push's */
  private readonly pushed = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly secrets: RepositorySecrets,
    private readonly events: RepositoryEvents,
    private readonly scheduler: Scheduler,
    clock: Clock,
  ) {
    this.mirrors = new RepositoryMirrors({
      baseDir: join(config.dataDir, 'git'),
      fetchTimeoutSeconds: config.git.fetchTimeoutSeconds,
      exportLimits: exportLimitsOf(config),
      urlPolicy: this.urlPolicy,
      clock,
      onFetched: (name, outcome) => this.record(name, outcome),
    });
  }

  get urlPolicy() {
    return { allowFile: this.config.git.allowFileUrls, allowInsecure: this.config.git.allowInsecureHttp };
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const r of await this.db.manager.getRepository(Repository).find()) this.activate(r);
  }

  /** Registers (or reconfigures) the repository's mirror and (re)starts its polling. */
  activate(r: Repository): void {
    this.mirrors.register({ name: r.name, url: r.url, branch: r.branch, auth: this.secrets.credentialsOf(r) });
    // a failed poll is already recorded in the row by record()
    this.scheduler.every(POLL + r.name, r.pollIntervalSeconds * 1000, () => this.refresh(r.name).catch(() => undefined), { jitter: POLL_JITTER });
  }

  /** Stops polling and removes the mirror from disk. */
  async deactivate(name: string): Promise<void> {
    this.scheduler.cancel(POLL + name);
    await this.mirrors.unregister(name, true);
  }

  /** Fetches now, coalesced with any fetch in flight; the row holds the outcome when this settles. */
  refresh(name: string, cause: 'webhook' | 'poll' = 'poll'): Promise<RefreshResult> {
    if (cause === 'webhook') this.pushed.add(name);
    return this.mirrors.refresh(name);
  }

  /** The local mirror, for resolving revisions and exporting trees to render (no fetch). */
  mirror(name: string): GitMirror {
    return this.mirrors.mirror(name);
  }

  /** Registered repositories whose URL is one of these (push webhooks name clone URLs). */
  match(cloneUrls: readonly string[]): string[] {
    return this.mirrors.match(cloneUrls);
  }

  private async record(name: string, outcome: FetchOutcome): Promise<void> {
    await this.db.write((tx) =>
      tx
        .getRepository(Repository)
        .update(
          { name },
          outcome.ok ? { revision: outcome.result.revision ?? null, lastFetchedAt: outcome.result.fetchedAt, message: outcome.result.message } : { message: outcome.message },
        ),
    );
    if (!outcome.ok) {
      this.log.debug({ repository: name, message: outcome.message }, 'fetch failed');
      return;
    }
    const { result } = outcome;
    const cause = this.pushed.delete(name) ? 'webhook' : 'poll';
    if (result.moved && result.revision) this.events.emitMoved({ repository: name, branch: result.branch, from: result.previousRevision, to: result.revision, cause });
  }
}

const POLL = 'repository-poll:';

/** What one export may hold, from the configuration (git.export*; refusals name the key). */
export function exportLimitsOf(config: AppConfig): ExportLimits {
  const g = config.git;
  return {
    maxFiles: g.exportMaxFiles,
    maxBytes: g.exportMaxBytes,
    maxDepth: g.exportMaxDepth,
    maxPathBytes: g.exportMaxPathBytes,
    timeoutMs: g.exportTimeoutSeconds * 1000,
  };
}
