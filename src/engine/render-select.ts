// Which renderer a path uses, and one object that renders any path with the right one.
import { PlainManifestRenderer, type RenderedObject, type Renderer, type RendererKind, type RenderOptions } from './render';
import { HelmRenderer } from './render-helm';
import { KUSTOMIZATION_FILES, KustomizeRenderer } from './render-kustomize';
import type { RenderBudgets } from './budgets';
import type { ProcessLimits } from './render-process';
import { findFile, repositoryDir } from './render-tree';
import type { Target } from './types';

/**
 * `kustomization.yaml`, `kustomization.yml` or `Kustomization` → kustomize (also when a
 * Chart.yaml is beside it: the kustomization is what the author wants built); `Chart.yaml` →
 * helm; anything else → plain. The path follows the repository's rules (a RenderError if not).
 */
export async function rendererFor(root: string, dir: string): Promise<RendererKind> {
  const at = await repositoryDir(root, dir);
  if (await findFile(at, KUSTOMIZATION_FILES)) return 'kustomize';
  if (await findFile(at, ['Chart.yaml'])) return 'helm';
  return 'plain';
}

export interface RenderersOptions extends Partial<ProcessLimits> {
  /** `kubectl` for `kubectl kustomize` (default: on the service's PATH, then in toolsDir) */
  kubectl?: string;
  /** a standalone `kustomize`, used instead of kubectl when set */
  kustomize?: string;
  /** helm v4 (default: on the service's PATH, then in toolsDir) */
  helm?: string;
  /** the project's tools directory, searched after the PATH for kubectl, kustomize and helm (render-tools.ts) */
  toolsDir?: string;
  /** remote kustomize bases and files, helmCharts in kustomizations, remote chart dependencies */
  allowRemote?: boolean;
  /** limits of one render, for every renderer (budgets.ts); defaults for what is not given */
  budgets?: Partial<RenderBudgets>;
}

export interface RenderResult {
  renderer: RendererKind;
  objects: RenderedObject[];
}

/** Renders any path with the renderer it calls for. */
export class Renderers {
  readonly plain: PlainManifestRenderer;
  readonly kustomize: KustomizeRenderer;
  readonly helm: HelmRenderer;

  private readonly allowRemote: boolean;

  constructor(options: RenderersOptions = {}) {
    this.allowRemote = !!options.allowRemote;
    const limits = { timeoutMs: options.timeoutMs, maxOutputBytes: options.maxOutputBytes, budgets: options.budgets };
    this.plain = new PlainManifestRenderer({ budgets: options.budgets });
    this.kustomize = new KustomizeRenderer({
      ...limits,
      kubectl: options.kubectl,
      kustomize: options.kustomize,
      helm: options.helm,
      toolsDir: options.toolsDir,
      allowRemote: options.allowRemote,
    });
    this.helm = new HelmRenderer({ ...limits, helm: options.helm, toolsDir: options.toolsDir, allowRemote: options.allowRemote });
  }

  async render(root: string, dir: string, target: Target, options?: RenderOptions): Promise<RenderResult> {
    const renderer = await rendererFor(root, dir);
    return { renderer, objects: await this.get(renderer).render(root, dir, target, options) };
  }

  get(kind: RendererKind): Renderer {
    return kind === 'kustomize' ? this.kustomize : kind === 'helm' ? this.helm : this.plain;
  }

  /**
   * What, besides the commit and the path, a render of `kind` depends on: a key for a cache of
   * renders shared by targets. Plain and kustomize output depend on nothing else (kustomize
   * places no namespace; the engine does) — except that with remote sources allowed a
   * kustomization's helmCharts are inflated with the cluster's capabilities. Helm output depends
   * on the release name, the namespace, the value files, the inline values (after templating) and
   * the capabilities.
   */
  parameters(kind: RendererKind, target: Target, options: RenderOptions = {}): string {
    if (kind === 'plain') return 'plain';
    const caps = options.capabilities ? { kubeVersion: options.capabilities.kubeVersion, apiVersions: [...options.capabilities.apiVersions].sort() } : null;
    if (kind === 'kustomize') return this.allowRemote ? stableJson(['kustomize', caps]) : 'kustomize';
    return stableJson(['helm', target.application, target.namespace, options.helm?.valueFiles ?? [], options.helm?.values ?? {}, caps]);
  }
}

/** JSON with object keys sorted, so equal values give equal keys. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, (v as Record<string, unknown>)[k]]),
    );
  });
}
