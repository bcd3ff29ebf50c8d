// Kustomize, run as `kubectl kustomize DIR` (the kustomize built into kubectl) or, when configured,
// `kustomize build DIR`.
//
// Kustomize's load restrictor (LoadRestrictionsRootOnly, set explicitly) confines the FILES a
// kustomization reads — resources, patches, generator inputs, openapi and CRD files — to the
// directory of that kustomization, symlinks resolved. It does not confine the DIRECTORIES it
// loads as further kustomizations (`resources: [../base]`, components, generator dirs): each
// becomes a new root wherever it is, which is what lets an overlay use a sibling base. So before
// kustomize runs, every kustomization reachable from the path is read here and each directory
// reference is resolved by the repository's rules (src/git/repository-path.ts): it must stay
// inside the repository, symlinks included. Together: every kustomization root is inside the
// repository (checked here) and every file is inside a kustomization root (checked by
// kustomize), so nothing outside the repository is read — with kustomize's own restrictor still
// doing its job, not switched off in favour of a check of ours.
//
// Remote sources — git URLs and http(s) files in any field that loads, and helmCharts (which
// pull charts) — are refused here unless `allowRemote`; as a second fence the process gets no
// `git` on its PATH and an HTTP(S) proxy that goes nowhere. Exec and container KRM functions
// need --enable-alpha-plugins / --enable-exec, which are never passed.
import { lstat, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import type { RenderBudgets } from './budgets';
import { parseManifests, RenderError, type RenderedObject, type Renderer, type RenderOptions } from './render';
import { helmCapabilityFlags } from './render-helm';
import { cleanEnv, DEFAULT_LIMITS, networkEnv, renderFailure, runProcess, withScratch, type ProcessLimits } from './render-process';
import { locateTool, missingToolMessage } from './render-tools';
import { findFile, inside, repositoryDir, type RepositoryDir } from './render-tree';
import type { Target } from './types';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export interface KustomizeOptions extends Partial<ProcessLimits> {
  /** kubectl, for `kubectl kustomize`: a path, or a name looked up on the PATH then in toolsDir (default: `kubectl`) */
  kubectl?: string;
  /** a standalone kustomize binary, for `kustomize build`; used instead of kubectl when set */
  kustomize?: string;
  /** helm, for helmCharts in a kustomization; only used when allowRemote */
  helm?: string;
  /** the project's tools directory (render-tools.ts), searched after the PATH for a bare name */
  toolsDir?: string;
  /** git and http(s) bases and files, and helmCharts; off by default */
  allowRemote?: boolean;
  /** limits of one render for parsing the output (budgets.ts); defaults for what is not given */
  budgets?: Partial<RenderBudgets>;
}

/** Fields whose entries kustomize loads as a file, a kustomization directory or a git URL. */
const TREE_FIELDS = ['resources', 'bases', 'components', 'generators', 'transformers', 'validators'] as const;
/** Fields whose entries kustomize loads as files (under the load restrictor) or http(s) URLs. */
const FILE_FIELDS = ['crds', 'configurations', 'patchesStrategicMerge'] as const;
const PATH_LISTS = ['patches', 'patchesJson6902', 'replacements'] as const;
const GENERATORS = ['configMapGenerator', 'secretGenerator'] as const;
const HELM_FIELDS = ['helmCharts', 'helmChartInflationGenerator', 'helmGlobals'] as const;

export class KustomizeRenderer implements Renderer {
  private readonly limits: ProcessLimits;
  private binaries?: Promise<{ command: string; args: string[]; helm?: string }>;

  constructor(private readonly options: KustomizeOptions = {}) {
    this.limits = {
      timeoutMs: options.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes,
    };
  }

  async render(root: string, dir: string, _target: Target, options: RenderOptions = {}): Promise<RenderedObject[]> {
    const base = await repositoryDir(root, dir);
    const file = await findFile(base, KUSTOMIZATION_FILES);
    if (!file) throw new RenderError(base.shown, undefined, `no ${KUSTOMIZATION_FILES.join(', ')} in the directory`);
    const uses = { helm: false };
    await checkKustomization(base, file, !!this.options.allowRemote, new Set(), uses);

    const { command, args, helm } = await this.commands();
    const flags = ['--load-restrictor=LoadRestrictionsRootOnly'];
    if (uses.helm && !helm) throw new Error(`helmCharts need helm: ${missingToolMessage('helm', this.options.helm ?? 'helm', { toolsDir: this.options.toolsDir })}`);
    if (uses.helm) flags.push('--enable-helm', `--helm-command=${helm}`, ...helmCapabilityFlags(options.capabilities));
    const source = `${base.shown === '.' ? '' : `${base.shown}/`}${file}`;
    const stdout = await withScratch(async (scratch) => {
      // git on the PATH only for remote bases
      const env = { ...cleanEnv(scratch, this.options.allowRemote ? process.env.PATH : undefined), ...networkEnv(!!this.options.allowRemote) };
      try {
        return await runProcess({ command, args: [...args, base.abs, ...flags], cwd: scratch, env, signal: options.signal, ...this.limits });
      } catch (e) {
        throw renderFailure(
          e,
          source,
          'kustomize',
          [
            [`${base.root}/`, ''],
            [base.root, '.'],
            [scratch, '<tmp>'],
          ],
          (s) => s.replace(/^error: /m, ''),
        );
      }
    });
    return parseManifests([{ file: source, text: stdout }], { budgets: this.options.budgets, signal: options.signal });
  }

  private commands(): Promise<{ command: string; args: string[]; helm?: string }> {
    this.binaries ??= (async () => {
      const { kustomize, kubectl = 'kubectl', toolsDir } = this.options;
      const command = await locateTool(kustomize ?? kubectl, { toolsDir });
      if (!command) throw new Error(missingToolMessage(kustomize ? 'kustomize' : 'kubectl', kustomize ?? kubectl, { toolsDir }));
      const helm = this.options.allowRemote ? await locateTool(this.options.helm ?? 'helm', { toolsDir }) : undefined;
      return { command: command.path, args: kustomize ? ['build'] : ['kustomize'], helm: helm?.path };
    })();
    this.binaries.catch(() => (this.binaries = undefined));
    return this.binaries;
  }
}

// ---- the walk over kustomizations -----------------------------------------------------------

/** What kustomize would treat as a git repository or an http(s) file (sigs.k8s.io/kustomize/api, repospec.go). */
export function isRemoteReference(entry: string): boolean {
  const e = entry.trim();
  return (
    /^git::/i.test(e) ||
    /^[a-z][a-z0-9+.-]*:\/\//i.test(e) || // https://, ssh://, file://, …
    /^https?:/i.test(e) ||
    /^[a-zA-Z][a-zA-Z0-9-]*@/.test(e) || // git@host:org/repo (scp-like)
    /^github\.com[/:]/i.test(e)
  );
}

async function checkKustomization(dir: RepositoryDir, file: string, allowRemote: boolean, seen: Set<string>, uses: { helm: boolean }): Promise<void> {
  const key = dir.real.join('/');
  if (seen.has(key)) return;
  seen.add(key);
  const shown = `${dir.shown === '.' ? '' : `${dir.shown}/`}${file}`;
  let doc: unknown;
  try {
    doc = parse(await readFile(join(dir.abs, file), 'utf8'), { maxAliasCount: 100 });
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new RenderError(shown, line, `invalid YAML: ${String((e as Error).message).split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new RenderError(shown, undefined, 'a kustomization must be a mapping');
  const k = doc as Record<string, unknown>;

  const refuseRemote = (field: string, entry: string) => {
    if (!allowRemote && isRemoteReference(entry)) {
      throw new RenderError(shown, undefined, `${field}: "${entry}" is a remote source; remote sources are not allowed (render option allowRemote)`);
    }
  };

  for (const field of HELM_FIELDS) {
    if (k[field] === undefined) continue;
    if (!allowRemote)
      throw new RenderError(
        shown,
        undefined,
        `${field}: Helm charts in a kustomization pull charts and are not allowed (render option allowRemote); render the chart as a Helm path instead`,
      );
    uses.helm = true;
  }
  for (const field of TREE_FIELDS) {
    for (const entry of strings(k[field], shown, field)) {
      if (entry.includes('\n')) continue; // an inline generator/transformer config, not a path
      refuseRemote(field, entry);
      if (isRemoteReference(entry)) continue;
      const next = await localReference(dir, entry, shown, field);
      if (!next) continue; // missing: kustomize says so
      const nested = await findFile(next, KUSTOMIZATION_FILES);
      if (nested) await checkKustomization(next, nested, allowRemote, seen, uses);
    }
  }
  const files: [string, string][] = [];
  for (const field of FILE_FIELDS) for (const e of strings(k[field], shown, field)) if (!e.includes('\n')) files.push([field, e]);
  for (const field of PATH_LISTS) {
    for (const item of list(k[field])) {
      const path = (item as { path?: unknown } | null)?.path;
      if (typeof path === 'string') files.push([`${field}.path`, path]);
    }
  }
  const openapi = (k.openapi as { path?: unknown } | undefined)?.path;
  if (typeof openapi === 'string') files.push(['openapi.path', openapi]);
  for (const field of GENERATORS) {
    for (const item of list(k[field])) {
      const g = (item ?? {}) as { files?: unknown; envs?: unknown; env?: unknown };
      for (const f of list(g.files)) if (typeof f === 'string') files.push([`${field}.files`, f.includes('=') ? f.slice(f.indexOf('=') + 1) : f]);
      for (const f of [...list(g.envs), g.env]) if (typeof f === 'string') files.push([`${field}.envs`, f]);
    }
  }
  // local files are kustomize's load restrictor's to check; only remote ones are ours
  for (const [field, entry] of files) refuseRemote(field, entry);
}

/** A local directory reference resolved inside the repository, or undefined when it is not a directory. */
async function localReference(dir: RepositoryDir, entry: string, shown: string, field: string): Promise<RepositoryDir | undefined> {
  if (isAbsolute(entry)) throw new RenderError(shown, undefined, `${field}: "${entry}" is an absolute path; refused (it must stay inside the repository)`);
  const parts = entry.split('/');
  // dir.real has no symlinks, so a climb above the root can be seen lexically; links below are
  // resolved (and refused when they leave) by the repository's rules
  let depth = dir.real.length;
  for (const p of parts) {
    if (p === '..') depth--;
    else if (p !== '' && p !== '.') depth++;
    if (depth < 0) throw new RenderError(shown, undefined, `${field}: "${entry}" leaves the repository; refused`);
  }
  const real = await inside(dir.root, [...dir.real, ...parts], shown, `${field}: "${entry}" leads out of the repository through a symlink`);
  const stat = await lstat(join(dir.root, ...real)).catch(() => undefined);
  if (!stat?.isDirectory()) return undefined;
  return { root: dir.root, shown: real.join('/') || '.', real, abs: join(dir.root, ...real) };
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown, shown: string, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new RenderError(shown, undefined, `${field} must be a list`);
  return value.filter((v): v is string => typeof v === 'string');
}
