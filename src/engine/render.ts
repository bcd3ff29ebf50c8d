// Rendering turns a directory of an application's repository into objects. The plain-manifest
// renderer is the default (SPEC §3 step 2); Kustomize (render-kustomize.ts) and Helm
// (render-helm.ts) plug in behind the same interface, chosen by render-select.ts.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PathEscapeError } from '../git/git-errors';
import { resolveInside, splitRepositoryPath } from '../git/repository-path';
import { BUDGET_KEYS, formatBytes, renderBudgets, type RenderBudgets } from './budgets';
import { parseManifestText, RenderBudget, tooLarge } from './manifest-yaml';
import { sharedManifestParser, type ManifestParser, type SizedSource } from './manifest-parser';
import { RenderError, type RenderedObject } from './render-error';
import type { Target } from './types';

export { RenderError, type RenderedObject };

/** Which renderer a path uses (render-select.ts): kustomization → kustomize, Chart.yaml → helm. */
export type RendererKind = 'kustomize' | 'helm' | 'plain';

/** What a render depends on besides the commit, the path and the target. */
export interface RenderOptions {
  /** Helm only: the application's `helm` settings, `values` already templated for the cluster */
  helm?: {
    /** files relative to the chart directory, inside the repository, applied in order after values.yaml */
    valueFiles?: readonly string[];
    /** applied last */
    values?: Record<string, unknown>;
  };
  /** of the target cluster: `.Capabilities` for Helm (and for kustomize's helmCharts when allowed) */
  capabilities?: ClusterCapabilities;
  /** kills the renderer process */
  signal?: AbortSignal;
}

export interface ClusterCapabilities {
  /** `v1.34.4` (the server's gitVersion) */
  kubeVersion: string;
  /** served `group/version`s and `group/version/Kind`s, as discovery lists them; core is `v1` */
  apiVersions: readonly string[];
}

export interface Renderer {
  /**
   * `dir` is a path inside the repository checked out at `root`; file names in results and
   * errors are relative to `root`. The target supplies Helm's release name and namespace.
   */
  render(root: string, dir: string, target: Target, options?: RenderOptions): Promise<RenderedObject[]>;
}

const MANIFEST = /\.(ya?ml|json)$/i;

export interface PlainManifestOptions {
  /** limits of one render (budgets.ts); defaults for what is not given */
  budgets?: Partial<RenderBudgets>;
  /** where parsing runs; default the process's shared pool */
  parser?: ManifestParser;
}

/**
 * Every *.yaml|*.yml|*.json below a directory, in sorted path order, multi-document, Lists
 * flattened. File sizes are checked against the budgets before anything is read; parsing runs
 * off the event loop (manifest-parser.ts).
 */
export class PlainManifestRenderer implements Renderer {
  private readonly budgets: RenderBudgets;

  constructor(private readonly options: PlainManifestOptions = {}) {
    this.budgets = renderBudgets(options.budgets);
  }

  async render(root: string, dir: string, _target?: Target, options: RenderOptions = {}): Promise<RenderedObject[]> {
    let shown: string[];
    try {
      shown = splitRepositoryPath(dir);
    } catch (e) {
      throw refused(dir, e, 'path leaves the repository');
    }
    const real = await resolve(root, shown);
    const files = await listManifests(root, shown, real, new Set());
    let total = 0;
    for (const file of files) {
      if (file.bytes > this.budgets.maxFileBytes) throw tooLarge(file.shown, file.bytes, this.budgets);
      total += file.bytes;
      if (total > this.budgets.maxRenderBytes) {
        throw new RenderError(
          file.shown,
          undefined,
          `the render would read more than ${formatBytes(this.budgets.maxRenderBytes)} of manifests (${BUDGET_KEYS.maxRenderBytes}); stopped at this file`,
        );
      }
    }
    const sources: SizedSource[] = files.map((f) => ({ file: f.shown, path: join(root, ...f.real), bytes: f.bytes }));
    return (this.options.parser ?? sharedManifestParser()).parse(sources, this.budgets, { signal: options.signal });
  }
}

interface ManifestFile {
  /** as the repository spells it, for messages */
  shown: string;
  /** with every symlink resolved, inside the repository */
  real: string[];
  bytes: number;
}

/**
 * Manifest files below a directory, depth first in sorted order. Symlinks are resolved by the
 * repository's own rules (src/git/repository-path.ts) and a directory reached twice through
 * links is read once.
 */
async function listManifests(root: string, shown: string[], real: string[], seen: Set<string>): Promise<ManifestFile[]> {
  const key = real.join('/');
  if (seen.has(key)) return [];
  seen.add(key);
  const entries = await readdir(join(root, ...real)).catch(() => {
    throw new RenderError(shown.join('/') || '.', undefined, 'no such directory in the repository');
  });
  const files: ManifestFile[] = [];
  for (const entry of entries.sort()) {
    if (entry.startsWith('.')) continue;
    const path = [...shown, entry];
    let target = [...real, entry];
    let stat = await lstat(join(root, ...target));
    if (stat.isSymbolicLink()) {
      target = await resolve(root, target, path.join('/'));
      const followed = await lstat(join(root, ...target)).catch(() => undefined);
      if (!followed) throw new RenderError(path.join('/'), undefined, 'symlink points to nothing');
      stat = followed;
    }
    if (stat.isDirectory()) files.push(...(await listManifests(root, path, target, seen)));
    else if (stat.isFile() && MANIFEST.test(entry)) files.push({ shown: path.join('/'), real: target, bytes: stat.size });
  }
  return files;
}

async function resolve(root: string, parts: string[], shown = parts.join('/') || '.'): Promise<string[]> {
  try {
    return await resolveInside(root, parts, shown);
  } catch (e) {
    throw refused(shown, e, 'symlink leaves the repository');
  }
}

function refused(file: string, e: unknown, what: string): unknown {
  if (!(e instanceof PathEscapeError)) return e;
  const reason = e.message.replace(PathEscapeError.prefix(e.path), '');
  return new RenderError(file, undefined, `${what}; refused (${reason})`);
}

/**
 * Parses one manifest file within `budgets` (defaults for what is not given), on this thread:
 * for small texts and unit tests. Larger texts — a renderer's output — go through
 * `parseManifests`, which parses off the event loop.
 */
export function parseManifest(file: string, text: string, budgets?: Partial<RenderBudgets>): RenderedObject[] {
  return parseManifestText(file, text, new RenderBudget(renderBudgets(budgets)));
}

/**
 * Parses texts (e.g. the chunks of a renderer's output, each with the file it came from) as one
 * render: budgets counted across all of them, off the event loop unless small.
 */
export function parseManifests(
  sources: ReadonlyArray<{ file: string; text: string }>,
  options: { budgets?: Partial<RenderBudgets>; signal?: AbortSignal; parser?: ManifestParser } = {},
): Promise<RenderedObject[]> {
  return (options.parser ?? sharedManifestParser()).parse(sources, renderBudgets(options.budgets), { signal: options.signal });
}
