// Helm charts, rendered with `helm template` (SPEC §3 step 2): release = application name,
// namespace = target namespace, the chart's values.yaml, then the application's value files, then
// its inline values; `.Capabilities` are the target cluster's (--kube-version, --api-versions), so
// a chart renders what that cluster serves, as Argo CD does. CRDs of crds/ are included, chart
// tests are not.
//
// What helm may touch: the chart directory (every symlink below it must stay inside the
// repository — Helm's loader follows links, and `.Files.Get` would hand their content to the
// templates), value files inside the repository, and a scratch directory holding its HOME and an
// empty repository, registry, cache and plugin configuration of its own. No kubeconfig (client
// dry run: `lookup` finds nothing), no DNS lookups, no network unless `allowRemote`.
//
// Dependencies: those vendored in charts/ (directories or .tgz) always work, whatever repository
// Chart.yaml names. A missing `file://` dependency inside the repository is packaged by
// `--dependency-update`; a missing remote one is fetched only with `allowRemote`. Either way helm
// then works on a copy of the chart in the scratch directory: the exported tree is shared by every
// render of the commit and is never written to.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { RenderBudgets } from './budgets';
import { parseManifests, RenderError, type ClusterCapabilities, type RenderedObject, type Renderer, type RenderOptions } from './render';
import { cleanEnv, DEFAULT_LIMITS, networkEnv, renderFailure, runProcess, withScratch, type ProcessLimits } from './render-process';
import { locateTool, missingToolMessage } from './render-tools';
import { findFile, inside, refuseEscapingLinks, repositoryDir, repositoryFile, type RepositoryDir } from './render-tree';
import type { Target } from './types';

export interface HelmOptions extends Partial<ProcessLimits> {
  /** helm v4: a path, or a name looked up on the PATH then in toolsDir (default: `helm`) */
  helm?: string;
  /** the project's tools directory (render-tools.ts), searched after the PATH */
  toolsDir?: string;
  /** fetch missing chart dependencies from remote repositories; off by default */
  allowRemote?: boolean;
  /** limits of one render for parsing the output (budgets.ts); defaults for what is not given */
  budgets?: Partial<RenderBudgets>;
}

interface Dependency {
  name: string;
  repository: string;
  /** for a `file://` dependency: where it is, resolved inside the repository */
  local?: RepositoryDir;
}

export class HelmRenderer implements Renderer {
  private readonly limits: ProcessLimits;
  private binary?: Promise<string>;

  constructor(private readonly options: HelmOptions = {}) {
    this.limits = {
      timeoutMs: options.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes,
    };
  }

  async render(root: string, dir: string, target: Target, options: RenderOptions = {}): Promise<RenderedObject[]> {
    const chart = await repositoryDir(root, dir);
    const chartFile = `${prefix(chart)}Chart.yaml`;
    if (!(await findFile(chart, ['Chart.yaml']))) throw new RenderError(chart.shown, undefined, 'no Chart.yaml in the directory');
    await refuseEscapingLinks(chart);
    const { name, dependencies } = await readChart(chart, chartFile);
    const valueFiles: { shown: string; abs: string }[] = [];
    for (const f of options.helm?.valueFiles ?? []) valueFiles.push(await repositoryFile(chart, f, 'value file'));
    const allowRemote = !!this.options.allowRemote;
    const remote = dependencies.filter((d) => d.repository !== '' && !d.local);
    const fileDeps = dependencies.filter((d) => d.local);
    for (const d of fileDeps) await refuseEscapingLinks(d.local!);
    // --dependency-update only acts on dependencies missing from charts/; without allowRemote it
    // is only used when nothing it could fetch is remote
    const update = (fileDeps.length > 0 && (allowRemote || remote.length === 0)) || (allowRemote && remote.length > 0);
    const capabilityFlags = helmCapabilityFlags(options.capabilities, '--');
    const helm = await this.helm();

    const stdout = await withScratch(async (scratch) => {
      let chartPath = chart.abs;
      if (update) {
        chartPath = join(scratch, 'chart');
        await copyChart(chart, chartPath, fileDeps);
      }
      const args = ['template', `--namespace=${target.namespace}`, '--include-crds', '--skip-tests', ...capabilityFlags];
      for (const f of valueFiles) args.push(`--values=${f.abs}`);
      if (options.helm?.values && Object.keys(options.helm.values).length > 0) {
        const inline = join(scratch, 'values-inline.yaml');
        await writeFile(inline, JSON.stringify(options.helm.values), { mode: 0o600 });
        args.push(`--values=${inline}`);
      }
      if (update) args.push('--dependency-update');
      args.push('--', target.application, chartPath);
      const env = { ...cleanEnv(scratch), ...helmEnv(scratch), ...networkEnv(allowRemote) };
      try {
        return await runProcess({ command: helm, args, cwd: scratch, env, signal: options.signal, ...this.limits });
      } catch (e) {
        const failure = renderFailure(
          e,
          chart.shown,
          'helm template',
          [
            [chartPath, chart.shown],
            [`${chart.root}/`, ''],
            [scratch, '<tmp>'],
          ],
          (stderr) => helmError(stderr, chart, name),
        );
        if (failure instanceof RenderError && remote.length > 0 && !allowRemote && /missing in charts\/ directory/.test(failure.detail)) {
          throw new RenderError(
            chart.shown,
            undefined,
            `${failure.detail} (remote chart repositories are not allowed: vendor the dependency into charts/, or allow remote sources)`,
          );
        }
        throw failure;
      }
    });
    // --dependency-update reports on stdout before the manifests, which all start with ---
    const first = stdout.search(/^---[ \t]*$/m);
    const sources = helmOutputSources(!update ? stdout : first < 0 ? '' : stdout.slice(first), chart, name);
    return parseManifests(sources, { budgets: this.options.budgets, signal: options.signal });
  }

  private helm(): Promise<string> {
    this.binary ??= (async () => {
      const helm = this.options.helm ?? 'helm';
      const found = await locateTool(helm, { toolsDir: this.options.toolsDir });
      if (!found) throw new Error(missingToolMessage('helm', helm, { toolsDir: this.options.toolsDir }));
      return found.path;
    })();
    this.binary.catch(() => (this.binary = undefined));
    return this.binary;
  }
}

/** `--kube-version=…` and one `--api-versions=…` per served version (`--helm-…` for kustomize). */
export function helmCapabilityFlags(caps: ClusterCapabilities | undefined, flagPrefix = '--helm-'): string[] {
  if (!caps) return [];
  checkCapabilities(caps);
  return [`${flagPrefix}kube-version=${caps.kubeVersion}`, ...caps.apiVersions.map((v) => `${flagPrefix}api-versions=${v}`)];
}

const KUBE_VERSION = /^v?\d+\.\d+(\.\d+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const API_VERSION = /^[A-Za-z0-9][A-Za-z0-9.-]*(\/[A-Za-z0-9][A-Za-z0-9.-]*){0,2}$/;

/** Capabilities come from the caller (discovery), not from the repository: bad ones are a bug. */
export function checkCapabilities(caps: ClusterCapabilities): void {
  if (!KUBE_VERSION.test(caps.kubeVersion)) throw new Error(`invalid Kubernetes version for rendering: "${caps.kubeVersion}"`);
  const bad = caps.apiVersions.find((v) => !API_VERSION.test(v));
  if (bad !== undefined) throw new Error(`invalid API version for rendering: "${bad}"`);
}

/** Helm's own configuration, all of it empty and private to this render. */
function helmEnv(scratch: string): Record<string, string> {
  const helm = join(scratch, 'home', 'helm');
  return {
    HELM_CACHE_HOME: join(helm, 'cache'),
    HELM_CONFIG_HOME: join(helm, 'config'),
    HELM_DATA_HOME: join(helm, 'data'),
    HELM_REPOSITORY_CONFIG: join(helm, 'config', 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(helm, 'cache', 'repository'),
    HELM_REGISTRY_CONFIG: join(helm, 'config', 'registry', 'config.json'),
    HELM_CONTENT_CACHE: join(helm, 'cache', 'content'),
    HELM_PLUGINS: join(helm, 'plugins'),
    HELM_KUBECONTEXT: '',
    HELM_DEBUG: 'false',
  };
}

/**
 * Helm logs `level=ERROR …` lines and then the `Error: …` that says it all; its advice about
 * --debug is no use here. Template paths are named by the chart's name (`web-chart/templates/…`):
 * they become the repository's (`charts/web/templates/…`).
 */
function helmError(stderr: string, chart: RepositoryDir, chartName: string): string {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Error: '));
  let text = (at >= 0 ? lines.slice(at) : lines)
    .filter((l) => !/^Use --debug flag/.test(l))
    .join('\n')
    .replace(/^Error: /, '')
    .trim();
  if (chartName) {
    const named = new RegExp(`(^|[\\s('"])${chartName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(templates|charts|crds)/`, 'g');
    text = text.replace(named, (_m, before: string, sub: string) => `${before}${prefix(chart)}${sub}/`);
  }
  return text;
}

async function readChart(chart: RepositoryDir, chartFile: string): Promise<{ name: string; dependencies: Dependency[] }> {
  const meta = await readYaml(chart, 'Chart.yaml');
  if (!meta || typeof meta !== 'object') throw new RenderError(chartFile, undefined, 'Chart.yaml must be a mapping');
  const name = typeof meta.name === 'string' ? meta.name : '';
  // apiVersion v1 charts keep their dependencies in requirements.yaml
  const requirements = Array.isArray(meta.dependencies) ? undefined : await readYaml(chart, 'requirements.yaml').catch(() => undefined);
  const listed: unknown[] = Array.isArray(meta.dependencies) ? meta.dependencies : Array.isArray(requirements?.dependencies) ? requirements.dependencies : [];
  const dependencies: Dependency[] = [];
  for (const d of listed) {
    const dep = (d ?? {}) as { name?: unknown; repository?: unknown };
    const name = typeof dep.name === 'string' ? dep.name : '';
    const repository = typeof dep.repository === 'string' ? dep.repository.trim() : '';
    const entry: Dependency = { name, repository };
    if (/^file:\/\//i.test(repository)) entry.local = await localDependency(chart, chartFile, name, repository.slice('file://'.length));
    dependencies.push(entry);
  }
  return { name, dependencies };
}

async function readYaml(chart: RepositoryDir, file: string): Promise<Record<string, unknown> | undefined> {
  const shown = `${prefix(chart)}${file}`;
  const text = await readFile(join(chart.abs, file), 'utf8');
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors[0]) throw new RenderError(shown, undefined, `invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  return doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | undefined;
}

/** A `file://` dependency: relative to the chart, inside the repository (`..` allowed up to its root). */
async function localDependency(chart: RepositoryDir, chartFile: string, name: string, path: string): Promise<RepositoryDir> {
  const what = `dependency "${name}" (file://${path})`;
  if (path.startsWith('/')) throw new RenderError(chartFile, undefined, `${what} is an absolute path; refused (it must stay inside the repository)`);
  const parts = path.split('/');
  let depth = chart.real.length;
  for (const p of parts) {
    depth += p === '..' ? -1 : p === '' || p === '.' ? 0 : 1;
    if (depth < 0) throw new RenderError(chartFile, undefined, `${what} leaves the repository; refused`);
  }
  const real = await inside(chart.root, [...chart.real, ...parts], chartFile, `${what} leads out of the repository through a symlink`);
  return { root: chart.root, shown: real.join('/') || '.', real, abs: join(chart.root, ...real) };
}

/** The chart, links followed (all checked to stay inside), with file:// dependencies made absolute. */
async function copyChart(chart: RepositoryDir, to: string, fileDeps: Dependency[]): Promise<void> {
  await cp(chart.abs, to, { recursive: true, dereference: true, errorOnExist: true });
  if (fileDeps.length === 0) return;
  for (const file of ['Chart.yaml', 'requirements.yaml']) {
    const text = await readFile(join(to, file), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const doc = parseDocument(text);
    const deps = doc.get('dependencies', true) as { items?: { get(k: string): unknown; set(k: string, v: unknown): void }[] } | undefined;
    for (const item of deps?.items ?? []) {
      const repository = item.get('repository');
      // as readChart reads it: a repository that is not a string is ''
      const dep = fileDeps.find((d) => d.name === item.get('name') && d.repository === (typeof repository === 'string' ? repository.trim() : ''));
      if (dep?.local) item.set('repository', `file://${dep.local.abs}`);
    }
    await writeFile(join(to, file), doc.toString());
  }
}

/**
 * `helm template` prints each manifest after `---` and `# Source: <chart name>/templates/x.yaml`;
 * the source becomes the file in the repository (`apps/web/templates/x.yaml`, a subchart's under
 * `apps/web/charts/…`), and the line counts from the start of that manifest as rendered. The
 * manifests are parsed as one render (budgets across all of them, off the event loop unless small).
 */
export function helmOutputSources(stdout: string, chart: RepositoryDir, chartName: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const chunk of stdout.split(/^---[ \t]*$/m)) {
    const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim();
    const body = chunk.replace(/^\s*# Source: .*\n/, '');
    if (!body.trim()) continue;
    let file = chart.shown;
    if (source) file = chartName && source.startsWith(`${chartName}/`) ? `${prefix(chart)}${source.slice(chartName.length + 1)}` : source;
    out.push({ file, text: body });
  }
  return out;
}

function prefix(dir: RepositoryDir): string {
  return dir.shown === '.' ? '' : `${dir.shown}/`;
}
