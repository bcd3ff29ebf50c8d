// Rendering turns a directory of an application's repository into objects. The plain-manifest
// renderer is the default (SPEC §3 step 2); Kustomize (render-kustomize.ts) and Helm
// (render-helm.ts) plug in behind the same interface, chosen by render-select.ts.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { PathEscapeError } from '../git/git-errors';
import { resolveInside, splitRepositoryPath } from '../git/repository-path';
import { DomainError } from '../shared/errors';
import type { KubeObject } from './objects';
import type { Target } from './types';

export interface RenderedObject {
  object: KubeObject;
  /** where it came from, for messages: `apps/x/b.yaml:7` */
  source: { file: string; line: number };
}

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

/** The repository's content cannot be rendered (the file and line say where): a 422 at the API. */
export class RenderError extends DomainError {
  override readonly name = 'RenderError';
  readonly kind = 'unprocessable';
  /** `transient`: about this attempt (a timeout), not the commit's content; worth trying again */
  constructor(readonly file: string, readonly line: number | undefined, readonly detail: string, readonly transient = false) {
    super(line ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
  }
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Every *.yaml|*.yml|*.json below a directory, in sorted path order, multi-document, Lists flattened. */
export class PlainManifestRenderer implements Renderer {
  async render(root: string, dir: string, _target?: Target, _options?: RenderOptions): Promise<RenderedObject[]> {
    let shown: string[];
    try {
      shown = splitRepositoryPath(dir);
    } catch (e) {
      throw refused(dir, e, 'path leaves the repository');
    }
    const real = await resolve(root, shown);
    const out: RenderedObject[] = [];
    for (const file of await listManifests(root, shown, real, new Set())) {
      out.push(...parseManifest(file.shown, await readFile(join(root, ...file.real), 'utf8')));
    }
    return out;
  }
}

interface ManifestFile {
  /** as the repository spells it, for messages */
  shown: string;
  /** with every symlink resolved, inside the repository */
  real: string[];
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
    else if (stat.isFile() && MANIFEST.test(entry)) files.push({ shown: path.join('/'), real: target });
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
  const reason = e.message.replace(`path "${e.path}" leaves the repository: `, '');
  return new RenderError(file, undefined, `${what}; refused (${reason})`);
}

/** Parses one manifest file; exported for unit tests. */
export function parseManifest(file: string, text: string): RenderedObject[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const out: RenderedObject[] = [];
  if (!Array.isArray(docs)) return out; // an empty stream
  for (const doc of docs) {
    const problem = doc.errors[0];
    if (problem) {
      const line = lines.linePos(problem.pos[0]).line;
      throw new RenderError(file, line, `invalid YAML: ${firstLine(problem.message)}`);
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const line = lines.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
    for (const object of flatten(value, file, line)) out.push({ object, source: { file, line } });
  }
  return out;
}

function flatten(value: unknown, file: string, line: number): KubeObject[] {
  const obj = value as KubeObject;
  if (typeof value !== 'object' || Array.isArray(value)) throw new RenderError(file, line, 'a document must be a Kubernetes object (a mapping)');
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray((obj as any).items)) {
    return (obj as any).items.flatMap((i: unknown) => flatten(i, file, line));
  }
  if (typeof obj.apiVersion !== 'string' || !obj.apiVersion) throw new RenderError(file, line, 'object has no apiVersion');
  if (typeof obj.kind !== 'string' || !obj.kind) throw new RenderError(file, line, 'object has no kind');
  if (typeof obj.metadata !== 'object' || obj.metadata === null || typeof obj.metadata.name !== 'string' || !obj.metadata.name) {
    throw new RenderError(file, line, `${obj.kind} has no metadata.name`);
  }
  return [obj];
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
