// Cluster credentials as SPEC §1 describes them, and the kubeconfig path to the same thing.
// A kubeconfig comes from an API client, so nothing in it may make Flotilla run a program or
// read a file of its own host: exec plugins, auth providers and *-file references are refused.
// Requests need only TLS options and one header, built here directly: @kubernetes/client-node
// costs some 40 MB resident once loaded (its generated API and models come with any entry
// point), so the service never loads it; credentials.test.ts holds this to what the library's
// applyToHTTPSOptions makes of the same credentials.
//
// The kubeconfig reader below is Flotilla's own on purpose, not the library's loadFromString: that
// one reads the `token-file` of every user in the file from this host's disk while parsing (an
// arbitrary file read for anyone allowed to register a cluster), and its YAML errors quote the
// input. @kubernetes/client-node reads kubeconfigs where they belong to the person running it: the
// CLI's `cluster add` (src/cli/cluster-account.ts).
import { parseUntrustedYaml, YamlSyntaxError } from '../shared/yaml-errors';
import { CredentialsError } from './errors';

export interface ClusterCredentials {
  server: string;
  /** base64 of the CA's PEM */
  caData?: string;
  insecureSkipVerify?: boolean;
  token?: string;
  /** base64 of the client certificate's PEM (with keyData) */
  certData?: string;
  keyData?: string;
  /** for messages and metrics only */
  name?: string;
}

/**
 * What a request to the cluster needs: the TLS options and the Authorization header that
 * @kubernetes/client-node's `applyToHTTPSOptions` makes of the same credentials (the CA, client
 * certificate and key decoded from base64; certificate checks on unless insecureSkipVerify).
 */
export interface ClusterTransport {
  /** without a trailing slash */
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  headers: Record<string, string>;
}

/** Checks the credentials and turns them into what a request needs; throws CredentialsError. */
export function transportFromCredentials(c: ClusterCredentials): ClusterTransport {
  checkCredentials(c);
  const decoded = (data?: string) => (data ? Buffer.from(data, 'base64') : undefined);
  return {
    server: c.server.replace(/\/$/, ''),
    ca: decoded(c.caData),
    cert: decoded(c.certData),
    key: decoded(c.keyData),
    rejectUnauthorized: c.insecureSkipVerify !== true,
    headers: c.token ? { Authorization: `Bearer ${c.token}` } : {},
  };
}

function checkCredentials(c: ClusterCredentials): void {
  // the server is not quoted: a URL that does not parse may still carry user-info
  let url: URL;
  try {
    url = new URL(c.server);
  } catch {
    throw new CredentialsError('server is not a valid URL', 'invalid');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CredentialsError('server must be an https:// URL', 'invalid');
  if (c.token && (c.certData || c.keyData)) throw new CredentialsError('give either a token or a client certificate, not both');
  if (!!c.certData !== !!c.keyData) throw new CredentialsError('a client certificate needs both certData and keyData');
}

/**
 * Reads one context of a kubeconfig (the current one unless named) into credentials. Every
 * message names entries and keys, never a value: a kubeconfig holds tokens and keys, and these
 * messages reach API answers and the audit log.
 */
export function credentialsFromKubeconfig(text: string, context?: string): ClusterCredentials {
  let doc: unknown;
  try {
    doc = parseUntrustedYaml(text);
  } catch (e) {
    if (e instanceof YamlSyntaxError) throw new CredentialsError(`kubeconfig is not valid YAML: ${e.detail}`, 'invalid');
    throw e;
  }
  if (doc === null || doc === undefined || doc === '') throw new CredentialsError('kubeconfig is empty', 'invalid');
  if (!isMapping(doc)) throw new CredentialsError('kubeconfig must be a YAML mapping (a Config with clusters, users and contexts)', 'invalid');
  const ctxName = context ?? doc['current-context'];
  if (ctxName === undefined || ctxName === null || ctxName === '') throw new CredentialsError('kubeconfig has no current-context and no context was given');
  if (typeof ctxName !== 'string') throw new CredentialsError('kubeconfig current-context must be a string', 'invalid');
  const ctx = section(findNamed(doc, 'contexts', ctxName), 'context', `context ${nameOf(ctxName)}`);
  if (!ctx) throw new CredentialsError(`kubeconfig has no context ${nameOf(ctxName)}`);
  const clusterName = stringField(ctx, 'cluster', `context ${nameOf(ctxName)}`);
  const userName = stringField(ctx, 'user', `context ${nameOf(ctxName)}`);
  if (!clusterName) throw new CredentialsError(`kubeconfig context ${nameOf(ctxName)} names no cluster`);
  const clusterWhere = `cluster ${nameOf(clusterName)}`;
  const cluster = section(findNamed(doc, 'clusters', clusterName), 'cluster', clusterWhere);
  const server = cluster && stringField(cluster, 'server', clusterWhere);
  if (!cluster || !server) throw new CredentialsError(`kubeconfig context ${nameOf(ctxName)} names ${clusterWhere}, which has no server`);
  const userWhere = `user ${nameOf(userName)}`;
  const user = (userName ? section(findNamed(doc, 'users', userName), 'user', userWhere) : undefined) ?? {};
  if (user.exec !== undefined) {
    const command = isMapping(user.exec) ? user.exec.command : undefined;
    throw new CredentialsError(
      `kubeconfig ${userWhere} uses an exec plugin${typeof command === 'string' && NAME.test(command) ? ` (${command})` : ''}; Flotilla does not run programs from a kubeconfig — use a token or a client certificate`,
    );
  }
  if (user['auth-provider'] !== undefined) {
    const provider = isMapping(user['auth-provider']) ? user['auth-provider'].name : undefined;
    throw new CredentialsError(`kubeconfig ${userWhere} uses auth-provider ${nameOf(provider)}; use a token or a client certificate`);
  }
  for (const key of ['token-file', 'client-certificate', 'client-key', 'username', 'password']) {
    if (user[key]) throw new CredentialsError(`kubeconfig ${userWhere} uses "${key}"; only inline token or client-certificate-data/client-key-data are accepted`);
  }
  if (cluster['certificate-authority']) throw new CredentialsError(`kubeconfig ${clusterWhere} refers to a CA file; use certificate-authority-data`);
  if (cluster['proxy-url']) throw new CredentialsError(`kubeconfig ${clusterWhere} uses proxy-url, which Flotilla does not support`);
  const insecure = cluster['insecure-skip-tls-verify'];
  if (insecure !== undefined && typeof insecure !== 'boolean') throw new CredentialsError(`kubeconfig ${clusterWhere}: insecure-skip-tls-verify must be true or false`, 'invalid');
  return {
    name: clusterName,
    server,
    caData: stringField(cluster, 'certificate-authority-data', clusterWhere),
    insecureSkipVerify: insecure === true,
    token: stringField(user, 'token', userWhere),
    certData: stringField(user, 'client-certificate-data', userWhere),
    keyData: stringField(user, 'client-key-data', userWhere),
  };
}

type Mapping = Record<string, unknown>;

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// names of entries are not secrets and make a message actionable; anything else in a name's
// place (a value pasted into the wrong line) is not repeated
const NAME = /^[\w.@:/~+-]{1,253}$/;

function nameOf(v: unknown): string {
  return typeof v === 'string' && NAME.test(v) ? `"${v}"` : '(a name that is not a plain identifier)';
}

/** `key` of a mapping: a string, or undefined when absent; any other type is refused without echoing it. */
function stringField(m: Mapping, key: string, where: string): string | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new CredentialsError(`kubeconfig ${where}: ${key} must be a string`, 'invalid');
  return v;
}

/** The `key` mapping of a named entry (`{name, cluster: {...}}`), or undefined when there is no entry. */
function section(entry: unknown, key: string, where: string): Mapping | undefined {
  if (entry === undefined) return undefined;
  const v = (entry as Mapping)[key];
  if (v === undefined || v === null) return undefined;
  if (!isMapping(v)) throw new CredentialsError(`kubeconfig ${where}: ${key} must be a mapping`, 'invalid');
  return v;
}

function findNamed(doc: Mapping, listKey: string, name: string): Mapping | undefined {
  const list = doc[listKey];
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) throw new CredentialsError(`kubeconfig ${listKey} must be a list`, 'invalid');
  return list.find((e): e is Mapping => isMapping(e) && e.name === name);
}
