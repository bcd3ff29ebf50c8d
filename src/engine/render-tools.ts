// Where the renderers' binaries are, what they are, and what to tell someone who has none.
//
// A configured path (absolute, or relative with a '/') is used as it is. A bare name is looked
// up on the service's PATH and then in the project's tools directory (render.toolsDir, by default
// <project>/.tools/bin), where `npm run render-tools` — run by `npm start` before the service —
// links the kubectl and helm the project pins (test/testbed/binaries.sh builds them). So an
// operator's own helm wins, and a fresh checkout still renders charts without installing one.
//
// probeRenderTools runs once at start: each binary's version, so the log and /readyz say what
// renders with what, and a missing one is reported with the ways to get it, never fatal (plain
// manifests render without any of them).
import { isAbsolute, resolve } from 'node:path';
import { cleanEnv, resolveExecutable, runProcess, withScratch } from './render-process';

/** The binaries renderers run: kubectl (`kubectl kustomize`), kustomize (`kustomize build`) and helm. */
export type RenderToolName = 'kubectl' | 'kustomize' | 'helm';

/** Where a binary was found: the configured path, the service's PATH, or the tools directory. */
export type RenderToolSource = 'configured' | 'path' | 'toolsDir';

export interface RenderToolLookup {
  /** the project's tools directory, searched after the PATH for a bare name; none: PATH only */
  toolsDir?: string;
  /** the PATH searched (default: the service's own) */
  path?: string;
}

export interface LocatedTool {
  /** absolute */
  path: string;
  source: RenderToolSource;
}

/** Whether the configuration names a path rather than a command to look up. */
export function isConfiguredPath(command: string): boolean {
  return command.includes('/');
}

/**
 * The binary `command` stands for: a path as configured (relative to the working directory), a
 * bare name on the PATH, else in the tools directory. Undefined when there is none (or it is not
 * executable).
 */
export async function locateTool(command: string, lookup: RenderToolLookup = {}): Promise<LocatedTool | undefined> {
  if (isConfiguredPath(command)) {
    const path = await resolveExecutable(isAbsolute(command) ? command : resolve(command));
    return path ? { path, source: 'configured' } : undefined;
  }
  const onPath = await resolveExecutable(command, lookup.path ?? process.env.PATH ?? '');
  if (onPath) return { path: onPath, source: 'path' };
  const inTools = lookup.toolsDir ? await resolveExecutable(command, lookup.toolsDir) : undefined;
  return inTools ? { path: inTools, source: 'toolsDir' } : undefined;
}

/** What each binary renders, what installs it, and the configuration key that names it. */
const TOOLS: Record<RenderToolName, { renders: string; install: string; key: string; env: string; provided: boolean }> = {
  kubectl: {
    renders: 'Kustomize overlays',
    install: 'install kubectl on the PATH (https://kubernetes.io/docs/tasks/tools/)',
    key: 'render.kubectl',
    env: 'FLOTILLA_RENDER__KUBECTL',
    provided: true,
  },
  kustomize: {
    renders: 'Kustomize overlays',
    install: 'install kustomize on the PATH (https://kubectl.docs.kubernetes.io/installation/kustomize/)',
    key: 'render.kustomize',
    env: 'FLOTILLA_RENDER__KUSTOMIZE',
    provided: false, // npm run render-tools provides kubectl, whose kustomize is used when this is unset
  },
  helm: {
    renders: 'Helm charts',
    install: 'install helm v4 on the PATH (https://helm.sh/docs/intro/install/)',
    key: 'render.helm',
    env: 'FLOTILLA_RENDER__HELM',
    provided: true,
  },
};

/**
 * Why `tool` (configured as `command`) is missing and exactly how to get it. `long`: the start
 * log's warning, which also says what will not render; `short`: a render's error, on the target.
 */
export function missingToolMessage(tool: RenderToolName, command: string, lookup: RenderToolLookup = {}, form: 'long' | 'short' = 'short'): string {
  const t = TOOLS[tool];
  const setting = `${t.key} / ${t.env}`;
  if (isConfiguredPath(command)) {
    const fallback = t.provided ? `, or remove the setting to use ${tool} from the PATH or from "npm run render-tools"` : `, or set ${t.key} to null to use kubectl kustomize`;
    const fix = `fix ${setting}${fallback}`;
    return form === 'long'
      ? `${tool} not found at ${command} (${t.key}): ${t.renders} will not render. ${capitalize(fix)}`
      : `the ${tool} binary "${command}" was not found (${setting}): ${fix}`;
  }
  const where = lookup.toolsDir ? `on the PATH or in ${lookup.toolsDir}` : 'on the PATH';
  const ways = t.provided
    ? `run "npm run render-tools" (needs Go), ${t.install}, or set ${setting} to its path`
    : `${t.install}, set ${setting} to its path, or set ${t.key} to null to use kubectl kustomize`;
  return form === 'long'
    ? `${tool} not found: ${t.renders} will not render. ${capitalize(ways)} (looked for "${command}" ${where})`
    : `the ${tool} binary "${command}" was not found ${where}: ${ways}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The version a binary reports; one run, in the clean environment renders get. */
export async function toolVersion(tool: RenderToolName, path: string, timeoutMs: number): Promise<string> {
  const args = tool === 'helm' ? ['version', '--template={{.Version}}'] : tool === 'kubectl' ? ['version', '--client', '--output=json'] : ['version'];
  const stdout = await withScratch((scratch) => runProcess({ command: path, args, cwd: scratch, env: cleanEnv(scratch), timeoutMs, maxOutputBytes: 64 * 1024 }));
  let version: unknown = stdout.trim().split('\n')[0];
  if (tool === 'kubectl') {
    try {
      version = (JSON.parse(stdout) as { clientVersion?: { gitVersion?: unknown } }).clientVersion?.gitVersion;
    } catch {
      version = undefined;
    }
  }
  if (typeof version !== 'string' || !/^\S{1,100}$/.test(version.trim())) throw new Error(`${tool} version printed no version: ${stdout.trim().slice(0, 200)}`);
  return version.trim();
}

export interface RenderToolsConfig extends RenderToolLookup {
  kubectl: string;
  /** a standalone kustomize, used instead of kubectl when set */
  kustomize?: string | null;
  helm: string;
  /** for each version command */
  timeoutMs: number;
}

/** What one renderer runs with, as found at start. */
export interface RenderToolStatus {
  /** the renderer: kustomize (kubectl or kustomize) or helm */
  renderer: 'kustomize' | 'helm';
  tool: RenderToolName;
  /** as configured: a name to look up or a path */
  command: string;
  found: boolean;
  /** absolute, when found */
  path: string | null;
  source: RenderToolSource | null;
  version: string | null;
  /** missing: how to get it; found but no version: why */
  problem: string | null;
}

/** The binaries the configured renderers run, found and asked their version (at once, each bounded by timeoutMs). */
export function probeRenderTools(config: RenderToolsConfig): Promise<RenderToolStatus[]> {
  const probe = async (renderer: RenderToolStatus['renderer'], tool: RenderToolName, command: string): Promise<RenderToolStatus> => {
    // never rejects: what goes wrong is the status's problem
    const found = await locateTool(command, config).catch(() => undefined);
    const status: RenderToolStatus = { renderer, tool, command, found: !!found, path: found?.path ?? null, source: found?.source ?? null, version: null, problem: null };
    if (!found) return { ...status, problem: missingToolMessage(tool, command, config, 'long') };
    try {
      return { ...status, version: await toolVersion(tool, found.path, config.timeoutMs) };
    } catch (e) {
      return { ...status, problem: `${tool} at ${found.path} did not say its version: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
  return Promise.all([config.kustomize ? probe('kustomize', 'kustomize', config.kustomize) : probe('kustomize', 'kubectl', config.kubectl), probe('helm', 'helm', config.helm)]);
}
