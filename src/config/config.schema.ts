// The configuration's shape, defaults live in config/default.yaml; this file says what each key
// may hold. Every key is checked at start and a bad value names its key and source.
import { windowOf, windowProblem, type WindowInput } from '../shared/sync-windows';
import { ignoreRuleOf, ignoreRuleProblem, type IgnoreRule } from '../shared/ignore-rules';

type Rule =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'string'; nullable?: boolean; pattern?: RegExp; what?: string; /** never echoed in errors */ secret?: boolean }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'url'; protocols: readonly string[] }
  /** IP addresses or CIDRs: a YAML list, or one comma-separated string (environment variables) */
  | { kind: 'addresses' }
  /**
   * a YAML list (from an environment variable: the list as YAML or JSON text) of up to maxItems
   * items; `problem(item, "key[i]")` names what is wrong with one (its message starts with that
   * prefix), `value(item)` is what is kept of a good one
   */
  | { kind: 'list'; what: string; maxItems: number; problem: (item: unknown, at: string) => string | null; value: (item: unknown) => unknown };

const int = (min: number, max: number): Rule => ({ kind: 'int', min, max });
/** a renderer's binary: a name looked up on the PATH (then render.toolsDir), or a path to it */
const BINARY = { pattern: /^(\S.*)?[^\s/]$/, what: 'a command name or the path of the binary' } as const;
const str = (opts: Omit<Extract<Rule, { kind: 'string' }>, 'kind'> = {}): Rule => ({ kind: 'string', ...opts });
const bool: Rule = { kind: 'bool' };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const CONFIG_SCHEMA = {
  server: {
    port: int(0, 65535),
    host: str(),
    bodyLimitBytes: int(1024, 100 * 1024 * 1024),
    shutdownTimeoutSeconds: int(1, 600),
    trustedProxies: { kind: 'addresses' } as Rule,
    /** HTTPS on Flotilla's own port: certFile + keyFile (PEM), or selfSigned; neither: plain HTTP */
    tls: {
      certFile: str({ nullable: true, what: 'a PEM certificate file' }),
      keyFile: str({ nullable: true, what: 'a PEM private key file' }),
      selfSigned: bool,
    },
  },
  dataDir: str(),
  database: { file: str(), busyTimeoutMs: int(0, 600_000) },
  log: { level: { kind: 'enum', values: LOG_LEVELS } as Rule },
  security: {
    adminToken: str({ secret: true, nullable: true, pattern: /^[\x21-\x7e]{16,256}$/, what: '16 to 256 printable characters without spaces' }),
    secretKey: str({ secret: true, nullable: true, pattern: /^[A-Za-z0-9+/]{43}=$/, what: '32 bytes in base64 (44 characters, e.g. `openssl rand -base64 32`)' }),
    failedAuthPerMinute: int(1, 100_000),
  },
  audit: {
    /** relative: inside dataDir; null: no checkpoints */
    checkpointFile: str({ nullable: true, pattern: /[^/]$/, what: 'a file path (absolute, or relative to dataDir)' }),
    checkpointIntervalSeconds: int(1, 86_400),
    logCheckpoints: bool,
    rekeyUnkeyedChain: bool,
  },
  slack: { apiUrl: { kind: 'url', protocols: ['https:', 'http:'] } as Rule, timeoutSeconds: int(1, 300) },
  hooks: {
    allowPrivateNetworks: bool,
    maxAttempts: int(1, 100),
    backoffBaseSeconds: int(1, 3600),
    backoffMaxSeconds: int(1, 86_400),
    healthTimeoutSeconds: int(1, 86_400),
    revisionTimeoutSeconds: int(1, 86_400),
    channelConcurrency: int(1, 256),
    keepDeliveriesDays: int(1, 3650),
  },
  clusters: {
    allowInsecureHttp: bool,
    checkIntervalSeconds: int(1, 86_400),
    checkTimeoutSeconds: int(1, 300),
    checkConcurrency: int(1, 256),
  },
  git: {
    allowFileUrls: bool,
    allowInsecureHttp: bool,
    fetchTimeoutSeconds: int(1, 3600),
    defaultPollIntervalSeconds: int(1, 86_400),
    minPollIntervalSeconds: int(1, 86_400),
    // what one export of a commit may hold (hostile repositories: git bombs, deep paths)
    exportMaxFiles: int(1, 10_000_000),
    exportMaxBytes: int(1024 * 1024, 2 ** 40),
    exportMaxDepth: int(1, 1024),
    exportMaxPathBytes: int(64, 4096),
    exportTimeoutSeconds: int(1, 3600),
  },
  render: {
    kubectl: str(BINARY),
    kustomize: str({ ...BINARY, nullable: true }),
    helm: str(BINARY),
    /** null: <project>/.tools/bin (npm run render-tools), searched after the PATH */
    toolsDir: str({ nullable: true, pattern: /\S/, what: 'a directory' }),
    timeoutSeconds: int(1, 3600),
    maxOutputBytes: int(1024, 1024 * 1024 * 1024),
    allowRemote: bool,
    // the budgets of one render (engine/budgets.ts)
    maxFileBytes: int(1024, 1024 * 1024 * 1024),
    maxRenderBytes: int(1024, 2 ** 34),
    maxDocuments: int(1, 1_000_000),
    maxObjects: int(1, 1_000_000),
    maxObjectBytes: int(1024, 64 * 1024 * 1024),
    parseMemoryMb: int(16, 16_384),
  },
  sync: {
    concurrency: int(1, 256),
    perClusterConcurrency: int(1, 256),
    engineConcurrency: int(1, 256),
    defaultIntervalSeconds: int(1, 86_400),
    minIntervalSeconds: int(1, 86_400),
    backoffBaseSeconds: int(1, 3600),
    backoffMaxSeconds: int(1, 86_400),
    healthRecheckSeconds: int(1, 3600),
    leaseSeconds: int(5, 3600),
    historyLimit: int(1, 100_000),
    keepChangeSets: int(0, 10_000),
    /** sync windows of every application, before its own (applications/sync-windows.ts) */
    windows: {
      kind: 'list',
      what: 'a list of sync windows',
      maxItems: 64,
      problem: (w, at) => windowProblem(w as WindowInput, at),
      value: (w) => windowOf(w as WindowInput),
    } as Rule,
    /** drift rules of every application, with its own (engine/ignore-differences.ts) */
    ignoreDifferences: {
      kind: 'list',
      what: 'a list of drift rules',
      maxItems: 100,
      problem: (r, at) => ignoreRuleProblem(r, at),
      value: (r) => ignoreRuleOf(r as IgnoreRule),
    } as Rule,
  },
  metrics: {
    /** null: /metrics is open; set: it needs `Authorization: Bearer <token>` */
    token: str({ secret: true, nullable: true, pattern: /^[\x21-\x7e]{16,256}$/, what: '16 to 256 printable characters without spaces' }),
  },
  web: {
    /** null: the first ui/dist found walking up from the service's own directory */
    uiDir: str({ nullable: true }),
  },
} as const;

/** Fixed environment names (SPEC §7); any key can also be set as FLOTILLA_<SECTION>__<KEY>. */
export const FIXED_ENV: Record<string, string> = {
  FLOTILLA_PORT: 'server.port',
  FLOTILLA_DATA_DIR: 'dataDir',
  FLOTILLA_ADMIN_TOKEN: 'security.adminToken',
  FLOTILLA_SECRET_KEY: 'security.secretKey',
  FLOTILLA_LOG_LEVEL: 'log.level',
  FLOTILLA_SLACK_API_URL: 'slack.apiUrl',
};

export type RuleOf = Rule;
