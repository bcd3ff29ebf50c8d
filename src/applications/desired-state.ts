import { Injectable } from '@nestjs/common';
import { PlainManifestRenderer, RenderError, type RenderedObject, type Target } from '../engine';
import type { CommitInfo } from '../git';
import { RepositoryFetches } from '../repositories/repository-fetches';
import { ApplicationMetrics } from './application-metrics';

/** renders and commit descriptions kept; a fleet syncing one commit needs one of each */
const KEEP = 64;

/**
 * What git says a target should hold: a revision resolved from the local mirror (never a fetch),
 * and the path rendered at that commit. A render is shared by every target that asks for the
 * same (repository, commit, path) — 100 targets of one application cost one export and one
 * parse — and kept for the next interval. Rendering errors are kept too (a commit's content never
 * changes); any other failure (disk, a mirror being replaced) is retried on the next ask.
 */
@Injectable()
export class DesiredState {
  private readonly renderer = new PlainManifestRenderer();
  private readonly renders = new Map<string, Promise<RenderedObject[]>>();
  private readonly commits = new Map<string, Promise<CommitInfo>>();

  constructor(
    private readonly fetches: RepositoryFetches,
    private readonly metrics: ApplicationMetrics,
  ) {}

  /** A branch, tag or SHA as the mirror has it now, as a full commit SHA. */
  resolve(repository: string, revision: string): Promise<string> {
    return this.fetches.mirror(repository).resolve(revision);
  }

  commitInfo(repository: string, sha: string): Promise<CommitInfo> {
    return remember(this.commits, `${repository}\0${sha}`, () => this.fetches.mirror(repository).commitInfo(sha));
  }

  /**
   * The objects at `path` of `sha`. The returned objects are shared: callers must not change them
   * (the engine places copies).
   */
  render(repository: string, sha: string, path: string, target: Target): Promise<RenderedObject[]> {
    return remember(this.renders, `${repository}\0${sha}\0${path}`, async () => {
      this.metrics.rendered();
      const tree = await this.fetches.mirror(repository).export(sha, path);
      try {
        return await this.renderer.render(tree.root, path, target);
      } finally {
        tree.release();
      }
    }, (e) => e instanceof RenderError);
  }
}

/** A bounded memo of promises, most recently used last; rejections are dropped unless `keepError`. */
function remember<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>, keepError: (e: unknown) => boolean = () => false): Promise<T> {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const made = make();
  cache.set(key, made);
  made.catch((e) => {
    if (!keepError(e) && cache.get(key) === made) cache.delete(key);
  });
  while (cache.size > KEEP) cache.delete(cache.keys().next().value as string);
  return made;
}
