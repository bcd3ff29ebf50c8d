import { Injectable } from '@nestjs/common';
import type { Cluster } from '../clusters/cluster.entity';
import { ClusterClients } from '../clusters/cluster-clients';
import { AppConfig } from '../config/app-config';
import {
  RenderError,
  Renderers,
  rendererFor,
  type ClusterCapabilities,
  type RenderBudgets,
  type RenderedObject,
  type RendererKind,
  type RenderOptions,
  type Target,
} from '../engine';
import { TreeLimitError, type CommitInfo } from '../git';
import { RepositoryFetches } from '../repositories/repository-fetches';
import { Clock } from '../shared/clock';
import { ApplicationMetrics } from './application-metrics';
import type { Application } from './application.entity';
import { renderTemplate, type FleetCluster } from './fan-out';

/** renders, commit descriptions and renderer choices kept; a fleet syncing one commit needs one of each */
const KEEP = 64;
/** a cluster's capabilities (version, served APIs) are read again after this long */
const CAPABILITIES_TTL_MS = 5 * 60_000;

export interface DesiredObjects {
  renderer: RendererKind;
  objects: RenderedObject[];
}

/**
 * What git says a target should hold: a revision resolved from the local mirror (never a fetch),
 * and the path rendered at that commit by the renderer it calls for (plain YAML, kustomize, helm).
 * A render is shared by every target with the same inputs — (repository, commit, path) plus, for
 * helm, the release, namespace, values and the cluster's capabilities — so 100 targets of one
 * application cost one render, and it is kept for the next interval. Content errors are kept too
 * (a commit's content never changes); anything else (a timeout, the disk, a mirror being
 * replaced) is retried on the next ask.
 */
@Injectable()
export class DesiredState {
  private readonly renderers: Renderers;
  private readonly renders = new Map<string, Promise<DesiredObjects>>();
  private readonly kinds = new Map<string, Promise<RendererKind>>();
  private readonly commits = new Map<string, Promise<CommitInfo>>();
  private readonly capabilities = new Map<string, { at: number; value: Promise<ClusterCapabilities> }>();

  constructor(
    private readonly fetches: RepositoryFetches,
    private readonly metrics: ApplicationMetrics,
    private readonly clients: ClusterClients,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    const r = config.render;
    this.renderers = new Renderers({
      kubectl: r.kubectl,
      kustomize: r.kustomize ?? undefined,
      helm: r.helm,
      toolsDir: r.toolsDir,
      allowRemote: r.allowRemote,
      timeoutMs: r.timeoutSeconds * 1000,
      maxOutputBytes: r.maxOutputBytes,
      budgets: renderBudgetsOf(config),
    });
  }

  /** A branch, tag or SHA as the mirror has it now, as a full commit SHA. */
  resolve(repository: string, revision: string): Promise<string> {
    return this.fetches.mirror(repository).resolve(revision);
  }

  commitInfo(repository: string, sha: string): Promise<CommitInfo> {
    return remember(this.commits, `${repository}\0${sha}`, () => this.fetches.mirror(repository).commitInfo(sha));
  }

  /**
   * The objects of `path` at `sha` for one target. The returned objects are shared: callers must
   * not change them (the engine places copies).
   */
  async render(app: Pick<Application, 'name' | 'repository' | 'helm'>, target: Target, path: string, sha: string, cluster: Cluster): Promise<DesiredObjects> {
    const { repository } = app;
    const kind = await remember(this.kinds, `${repository}\0${sha}\0${path}`, () => this.withTree(repository, sha, path, (root) => rendererFor(root, path)), isContentError);
    const options: RenderOptions = kind === 'helm' ? { helm: helmFor(app.helm, cluster), capabilities: await this.capabilitiesOf(cluster) } : {};
    const key = `${repository}\0${sha}\0${path}\0${this.renderers.parameters(kind, target, options)}`;
    return remember(
      this.renders,
      key,
      () =>
        this.withTree(repository, sha, path, async (root) => {
          this.metrics.rendered();
          return { renderer: kind, objects: await this.renderers.get(kind).render(root, path, target, options) };
        }),
      isContentError,
    );
  }

  private async withTree<T>(repository: string, sha: string, path: string, use: (root: string) => Promise<T>): Promise<T> {
    const tree = await this.fetches.mirror(repository).export(sha, path);
    try {
      return await use(tree.root);
    } finally {
      tree.release();
    }
  }

  /** Per cluster and credentials generation, re-read every few minutes: upgrades and new CRDs show up. */
  private capabilitiesOf(cluster: Cluster): Promise<ClusterCapabilities> {
    const key = `${cluster.name}\0${cluster.generation}`;
    const cached = this.capabilities.get(key);
    if (cached && this.clock.now() - cached.at < CAPABILITIES_TTL_MS) return cached.value;
    const value = this.clients.forCluster(cluster).capabilities();
    this.capabilities.set(key, { at: this.clock.now(), value });
    value.catch(() => this.capabilities.get(key)?.value === value && this.capabilities.delete(key));
    return value;
  }
}

function isContentError(e: unknown): boolean {
  return (e instanceof RenderError && !e.transient) || e instanceof TreeLimitError;
}

/** The application's helm settings for one cluster: `{{cluster.…}}` in string values rendered. */
function helmFor(helm: Application['helm'], cluster: FleetCluster): RenderOptions['helm'] {
  if (!helm) return {};
  // `at` is the setting's name as the API spells it: helm.values.region, helm.valueFiles[0]
  const render = (v: unknown, at: string): unknown => {
    if (typeof v === 'string') {
      const out = renderTemplate(v, cluster);
      if ('problem' in out) throw new RenderError(at, undefined, out.problem);
      return out.value;
    }
    if (Array.isArray(v)) return v.map((x, i) => render(x, `${at}[${i}]`));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, `${at}.${k}`)]));
    return v;
  };
  const valueFiles = (helm.valueFiles ?? []).map((f, i) => render(f, `helm.valueFiles[${i}]`) as string);
  return { valueFiles, values: render(helm.values ?? {}, 'helm.values') as Record<string, unknown> };
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

/** The render budgets of the configuration (render.*; each message over a budget names its key). */
export function renderBudgetsOf(config: AppConfig): RenderBudgets {
  const r = config.render;
  return {
    maxFileBytes: r.maxFileBytes,
    maxRenderBytes: r.maxRenderBytes,
    maxDocuments: r.maxDocuments,
    maxObjects: r.maxObjects,
    maxObjectBytes: r.maxObjectBytes,
    parseTimeoutMs: r.timeoutSeconds * 1000,
    parseMemoryMb: r.parseMemoryMb,
  };
}
