// Contexts: named (server, token) pairs in ~/.config/flotilla/config.yaml, written 0600 in a 0700
// directory because it holds tokens. FLOTILLA_SERVER and FLOTILLA_TOKEN (and the --server,
// --context and --ca-file options) override what the current context says.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from './errors';

export interface Context {
  name: string;
  server: string;
  token?: string;
  /** a PEM file of CAs to trust for this server, beside the system's */
  caFile?: string;
}

export interface CliConfig {
  currentContext?: string;
  contexts: Context[];
}

/** Where the contexts live: $XDG_CONFIG_HOME/flotilla/config.yaml, else ~/.config/flotilla/config.yaml. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'flotilla', 'config.yaml');
}

export function readConfig(file = configPath()): CliConfig {
  if (!existsSync(file)) return { contexts: [] };
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'fix or remove it, then flotilla login again');
  }
  if (doc === null || doc === undefined) return { contexts: [] };
  const raw = doc as { 'current-context'?: unknown; contexts?: unknown };
  if (typeof raw !== 'object' || (raw.contexts !== undefined && !Array.isArray(raw.contexts))) {
    throw new CliError(`${file} is not a flotilla config (contexts must be a list)`, 'fix or remove it, then flotilla login again');
  }
  const contexts = ((raw.contexts as unknown[]) ?? []).flatMap((c): Context[] => {
    const e = c as Record<string, unknown>;
    if (!e || typeof e.name !== 'string' || typeof e.server !== 'string') return [];
    return [
      {
        name: e.name,
        server: e.server,
        ...(typeof e.token === 'string' ? { token: e.token } : {}),
        ...(typeof e.caFile === 'string' ? { caFile: e.caFile } : {}),
      },
    ];
  });
  return { currentContext: typeof raw['current-context'] === 'string' ? raw['current-context'] : undefined, contexts };
}

/** Writes the whole file: a 0600 temporary beside it, renamed over it, so no reader sees half a file. */
export function writeConfig(config: CliConfig, file = configPath()): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = stringify({ 'current-context': config.currentContext ?? null, contexts: config.contexts });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `# written by flotilla; holds API tokens, keep it private (0600)\n${text}`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // whatever the umask did
  renameSync(tmp, file);
}

export function upsertContext(config: CliConfig, ctx: Context): CliConfig {
  const others = config.contexts.filter((c) => c.name !== ctx.name);
  return { currentContext: ctx.name, contexts: [...others, ctx].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** A context name from a server URL: its host and port. */
export function contextNameFor(server: string): string {
  return new URL(server).host;
}

/** A server URL as typed, checked and without a trailing slash. */
export function normalizeServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CliError(`"${server}" is not a URL`, 'give the server as http(s)://host:port');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`"${server}" is not an http(s) URL`, 'give the server as http(s)://host:port');
  if (url.username || url.password) throw new CliError('the server URL must not carry credentials', 'give the token with --token or FLOTILLA_TOKEN');
  return url.toString().replace(/\/+$/, '');
}

export interface Target {
  server: string;
  token?: string;
  caFile?: string;
  /** the context it came from, when one was used */
  context?: string;
  /** where the token came from, for whoami */
  tokenSource: 'FLOTILLA_TOKEN' | 'context' | 'none';
}

export interface TargetOptions {
  context?: string;
  server?: string;
  caFile?: string;
}

/**
 * The server and token a command talks to: options, then environment, then the current context.
 * A context named with --context is taken as it is: the environment does not override it.
 */
export function resolveTarget(opts: TargetOptions, processEnv: NodeJS.ProcessEnv = process.env, file = configPath(processEnv)): Target {
  const config = readConfig(file);
  const env = opts.context ? {} : processEnv;
  const wanted = opts.context ?? config.currentContext;
  const ctx = wanted ? config.contexts.find((c) => c.name === wanted) : undefined;
  if (opts.context && !ctx) throw new CliError(`no context "${opts.context}" in ${file}`, 'see flotilla context list');
  const server = opts.server ?? env.FLOTILLA_SERVER ?? ctx?.server;
  if (!server) throw new CliError('no Flotilla server chosen', 'log in first: flotilla login http(s)://host:port (or set FLOTILLA_SERVER and FLOTILLA_TOKEN)');
  const url = normalizeServer(server);
  // a context's token goes only to that context's server, never to one named by an override
  const own = ctx && normalizeServer(ctx.server) === url ? ctx : undefined;
  const token = env.FLOTILLA_TOKEN || own?.token;
  const caFile = opts.caFile ?? env.FLOTILLA_CA_FILE ?? own?.caFile;
  return {
    server: url,
    token: token || undefined,
    caFile: caFile ? resolve(caFile) : undefined,
    context: own?.name,
    tokenSource: env.FLOTILLA_TOKEN ? 'FLOTILLA_TOKEN' : own?.token ? 'context' : 'none',
  };
}
