import { readFileSync, existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { SyncWindow } from '../shared/sync-windows';
import type { IgnoreRule } from '../shared/ignore-rules';
import { projectRoot } from '../shared/project-root';
import { CONFIG_SCHEMA, FIXED_ENV, RuleOf } from './config.schema';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** The validated configuration, injected wherever settings are read. */
export class AppConfig {
  server!: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    shutdownTimeoutSeconds: number;
    /** addresses or CIDRs whose X-Forwarded-For is believed (Express's `trust proxy`); empty: none */
    trustedProxies: string[];
    /**
     * HTTPS on Flotilla's own port: certFile + keyFile (absolute paths of PEM files, reloaded when
     * they change), or selfSigned (a CA, a certificate and key made once in dataDir). Neither:
     * plain HTTP.
     */
    tls: { certFile: string | null; keyFile: string | null; selfSigned: boolean };
  };
  /** absolute */
  dataDir!: string;
  /** absolute path of the SQLite file */
  database!: { file: string; busyTimeoutMs: number };
  log!: { level: Level };
  security!: { adminToken: string | null; secretKey: string | null; failedAuthPerMinute: number };
  /**
   * checkpointFile: absolute path where the audit chain's head is written (default
   * <dataDir>/audit-checkpoints), or null for none; logCheckpoints: also log each one;
   * rekeyUnkeyedChain: the one-time permission to re-key a chain from before the keyed recipe
   */
  audit!: { checkpointFile: string | null; checkpointIntervalSeconds: number; logCheckpoints: boolean; rekeyUnkeyedChain: boolean };
  slack!: { apiUrl: string; timeoutSeconds: number };
  hooks!: {
    allowPrivateNetworks: boolean;
    maxAttempts: number;
    backoffBaseSeconds: number;
    backoffMaxSeconds: number;
    healthTimeoutSeconds: number;
    revisionTimeoutSeconds: number;
    channelConcurrency: number;
    keepDeliveriesDays: number;
  };
  clusters!: { allowInsecureHttp: boolean; checkIntervalSeconds: number; checkTimeoutSeconds: number; checkConcurrency: number };
  git!: {
    allowFileUrls: boolean;
    allowInsecureHttp: boolean;
    fetchTimeoutSeconds: number;
    defaultPollIntervalSeconds: number;
    minPollIntervalSeconds: number;
    exportMaxFiles: number;
    exportMaxBytes: number;
    exportMaxDepth: number;
    exportMaxPathBytes: number;
    exportTimeoutSeconds: number;
  };
  /**
   * kubectl, kustomize, helm: a bare name (looked up on the PATH, then in toolsDir) or an absolute
   * path; toolsDir: absolute, <project>/.tools/bin unless configured (engine/render-tools.ts)
   */
  render!: {
    kubectl: string;
    kustomize: string | null;
    helm: string;
    toolsDir: string;
    timeoutSeconds: number;
    maxOutputBytes: number;
    allowRemote: boolean;
    maxFileBytes: number;
    maxRenderBytes: number;
    maxDocuments: number;
    maxObjects: number;
    maxObjectBytes: number;
    parseMemoryMb: number;
  };
  sync!: {
    concurrency: number;
    perClusterConcurrency: number;
    engineConcurrency: number;
    defaultIntervalSeconds: number;
    minIntervalSeconds: number;
    backoffBaseSeconds: number;
    backoffMaxSeconds: number;
    healthRecheckSeconds: number;
    leaseSeconds: number;
    historyLimit: number;
    keepChangeSets: number;
    /** sync windows that apply to every application (with timeZone and manualSync filled in) */
    windows: SyncWindow[];
    /** drift rules that apply to every application, with its own ignoreDifferences */
    ignoreDifferences: IgnoreRule[];
  };
  /** token: the bearer token GET /metrics needs, or null when it is open */
  metrics!: { token: string | null };
  /** uiDir: absolute path of the web UI's build to serve, or null to find ui/dist (src/web) */
  web!: { uiDir: string | null };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface LoadOptions {
  /** directory holding default.yaml and <NODE_ENV>.yaml */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  /** relative dataDir values resolve against this */
  cwd?: string;
}

/** default.yaml < <NODE_ENV>.yaml < $FLOTILLA_CONFIG < FLOTILLA_* variables; then validated. */
export function loadConfig(opts: LoadOptions = {}): AppConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const configDir = opts.configDir ?? join(projectRoot(), 'config');
  const problems: string[] = [];
  const sources = new Map<string, string>();
  const merged: Tree = {};

  const layer = (file: string, required: boolean) => {
    if (!existsSync(file)) {
      if (required) problems.push(`config file ${file} does not exist`);
      return;
    }
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    if (doc === null || doc === undefined) return;
    if (!isTree(doc)) {
      problems.push(`${file}: expected a mapping at the top level`);
      return;
    }
    mergeInto(merged, doc, CONFIG_SCHEMA, '', file, sources, problems);
  };

  const configDirDefault = join(configDir, 'default.yaml');
  layer(configDirDefault, true);
  if (env.NODE_ENV) layer(join(configDir, `${env.NODE_ENV}.yaml`), false);
  if (env.FLOTILLA_CONFIG) layer(resolve(cwd, env.FLOTILLA_CONFIG), true);

  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('FLOTILLA_') || raw === undefined) continue;
    let key = FIXED_ENV[name];
    if (!key && name.includes('__')) {
      key = name
        .slice('FLOTILLA_'.length)
        .split('__')
        .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
        .join('.');
      if (ruleAt(key) === undefined) {
        problems.push(`${name}: no configuration key ${key}`);
        continue;
      }
    }
    if (!key) continue; // FLOTILLA_CONFIG and variables of other tools
    setPath(merged, key, raw);
    sources.set(key, `environment variable ${name}`);
  }

  validate(merged, CONFIG_SCHEMA, '', sources, problems);
  if (!problems.some((p) => p.startsWith('server.tls.'))) problems.push(...serverTlsProblems((merged.server as Tree).tls as AppConfig['server']['tls'], sources));
  if (problems.length) throw new ConfigError(problems);

  const cfg = Object.assign(new AppConfig(), merged) as AppConfig;
  cfg.dataDir = resolve(cwd, cfg.dataDir);
  cfg.database.file = isAbsolute(cfg.database.file) ? cfg.database.file : join(cfg.dataDir, cfg.database.file);
  if (cfg.audit.checkpointFile && !isAbsolute(cfg.audit.checkpointFile)) cfg.audit.checkpointFile = join(cfg.dataDir, cfg.audit.checkpointFile);
  if (!cfg.slack.apiUrl.endsWith('/')) cfg.slack.apiUrl += '/';
  if (cfg.server.tls.certFile) cfg.server.tls.certFile = resolve(cwd, cfg.server.tls.certFile);
  if (cfg.server.tls.keyFile) cfg.server.tls.keyFile = resolve(cwd, cfg.server.tls.keyFile);
  if (cfg.web.uiDir) cfg.web.uiDir = resolve(cwd, cfg.web.uiDir);
  // the tools directory is the project's, wherever the service is started from; configured
  // renderer paths (with a '/') are the working directory's, like every other path
  cfg.render.toolsDir = cfg.render.toolsDir ? resolve(cwd, cfg.render.toolsDir) : join(projectRoot(), '.tools', 'bin');
  for (const key of ['kubectl', 'kustomize', 'helm'] as const) {
    const command = cfg.render[key];
    if (command?.includes('/')) cfg.render[key] = resolve(cwd, command);
  }
  return cfg;
}

/** server.tls: certFile and keyFile go together; selfSigned excludes them. */
function serverTlsProblems(tls: AppConfig['server']['tls'], sources: Map<string, string>): string[] {
  const from = (k: string) => sources.get(`server.tls.${k}`) ?? 'defaults';
  if (tls.selfSigned && (tls.certFile || tls.keyFile)) {
    const given = tls.certFile ? 'certFile' : 'keyFile';
    return [
      `server.tls.selfSigned: expected false when server.tls.${given} is set (from ${from(given)}): use your certificate or a self-signed one, not both, got true (from ${from('selfSigned')})`,
    ];
  }
  if (!tls.certFile !== !tls.keyFile) {
    const [missing, given] = tls.certFile ? ['keyFile', 'certFile'] : ['certFile', 'keyFile'];
    return [`server.tls.${missing}: expected a file path, since server.tls.${given} is set (from ${from(given)}), got null (from ${from(missing)})`];
  }
  return [];
}

function ruleAt(path: string): RuleOf | Tree | undefined {
  let node: unknown = CONFIG_SCHEMA;
  for (const part of path.split('.')) {
    if (!isTree(node) || 'kind' in node) return undefined;
    node = node[part];
  }
  return node as RuleOf | Tree | undefined;
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const p of parts.slice(0, -1)) {
    if (!isTree(node[p])) node[p] = {};
    node = node[p] as Tree;
  }
  node[parts[parts.length - 1]] = value;
}

function mergeInto(target: Tree, doc: Tree, schema: Tree, prefix: string, file: string, sources: Map<string, string>, problems: string[]): void {
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const rule = schema[k] as Tree | undefined;
    if (rule === undefined) {
      problems.push(`${key}: unknown key (in ${file})`);
      continue;
    }
    if (!('kind' in rule)) {
      if (!isTree(v)) {
        problems.push(`${key}: expected a mapping (in ${file})`);
        continue;
      }
      if (!isTree(target[k])) target[k] = {};
      mergeInto(target[k] as Tree, v, rule, key, file, sources, problems);
    } else {
      target[k] = v;
      sources.set(key, file);
    }
  }
}

function validate(tree: Tree, schema: Tree, prefix: string, sources: Map<string, string>, problems: string[]): void {
  for (const [k, r] of Object.entries(schema)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (!('kind' in (r as Tree))) {
      if (!isTree(tree[k])) tree[k] = {};
      validate(tree[k] as Tree, r as Tree, key, sources, problems);
      continue;
    }
    const rule = r as RuleOf;
    const from = sources.get(key) ?? 'defaults';
    const result = coerce(rule, tree[k], key);
    if ('problems' in result) problems.push(...result.problems.map((p) => `${p} (from ${from})`));
    else if ('error' in result) {
      const got = rule.kind === 'string' && rule.secret ? `a value of ${lengthAsText(tree[k])} characters` : JSON.stringify(tree[k] ?? null);
      problems.push(`${key}: ${result.error}, got ${got} (from ${from})`);
    } else tree[k] = result.value;
  }
}

/** How long a value is as text, for a secret's message, which must not show it: a mapping or list as JSON. */
function lengthAsText(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return v.length;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v).length;
  if (typeof v === 'object') return JSON.stringify(v).length;
  // YAML and environment variables give nothing else
  return 0;
}

/** `error`: what was expected (the caller adds the key and the value); `problems`: whole messages, key first */
function coerce(rule: RuleOf, v: unknown, key: string): { value: unknown } | { error: string } | { problems: string[] } {
  switch (rule.kind) {
    case 'int': {
      const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < rule.min || n > rule.max) return { error: `expected an integer from ${rule.min} to ${rule.max}` };
      return { value: n };
    }
    case 'bool': {
      if (typeof v === 'boolean') return { value: v };
      if (v === 'true' || v === 'false') return { value: v === 'true' };
      return { error: 'expected true or false' };
    }
    case 'enum':
      return typeof v === 'string' && rule.values.includes(v) ? { value: v } : { error: `expected one of ${rule.values.join(', ')}` };
    case 'url': {
      try {
        const u = new URL(String(v));
        if (typeof v === 'string' && rule.protocols.includes(u.protocol)) return { value: v };
      } catch {
        /* fall through */
      }
      return { error: `expected a URL (${rule.protocols.join(' or ')})` };
    }
    case 'addresses': {
      // a list in YAML; one comma-separated string from an environment variable
      const list =
        v === null || v === undefined
          ? []
          : typeof v === 'string'
            ? v
                .split(',')
                .map((a) => a.trim())
                .filter(Boolean)
            : v;
      if (!Array.isArray(list)) return { error: 'expected a list of IP addresses or CIDRs' };
      const bad = list.find((a) => typeof a !== 'string' || !isAddressOrCidr(a));
      if (bad !== undefined) return { error: `expected IP addresses or CIDRs (like 10.0.0.0/8 or 127.0.0.1), and ${JSON.stringify(bad)} is neither` };
      return { value: list };
    }
    case 'list': {
      let list = v;
      if (typeof list === 'string') {
        try {
          list = parseYaml(list);
        } catch {
          return { error: `expected ${rule.what} (YAML or JSON text in an environment variable)` };
        }
      }
      list ??= [];
      if (!Array.isArray(list)) return { error: `expected ${rule.what}` };
      if (list.length > rule.maxItems) return { problems: [`${key}: expected at most ${rule.maxItems} items, got ${list.length}`] };
      const problems = list.map((item, i) => rule.problem(item, `${key}[${i}]`)).filter((p) => p !== null);
      return problems.length ? { problems } : { value: list.map((item) => rule.value(item)) };
    }
    case 'string': {
      if ((v === null || v === undefined || v === '') && rule.nullable) return { value: null };
      if (typeof v !== 'string' || v === '') return { error: 'expected a non-empty string' };
      if (rule.pattern && !rule.pattern.test(v)) return { error: `expected ${rule.what ?? rule.pattern.source}` };
      return { value: v };
    }
  }
}

/** `10.1.2.3`, `10.0.0.0/8`, `::1`, `fd00::/8`: what Express's `trust proxy` list accepts and we document. */
function isAddressOrCidr(s: string): boolean {
  const [address, bits, ...rest] = s.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
