// Cluster credentials as SPEC §1 describes them, and the kubeconfig path to the same thing.
// A kubeconfig comes from an API client, so nothing in it may make Flotilla run a program or
// read a file of its own host: exec plugins, auth providers and *-file references are refused.
import { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { parse } from 'yaml';
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

export function kubeConfigFromCredentials(c: ClusterCredentials): KubeConfig {
  let url: URL;
  try {
    url = new URL(c.server);
  } catch {
    throw new CredentialsError(`server "${c.server}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CredentialsError(`server "${c.server}" must be https://`);
  if (c.token && (c.certData || c.keyData)) throw new CredentialsError('give either a token or a client certificate, not both');
  if (!!c.certData !== !!c.keyData) throw new CredentialsError('a client certificate needs both certData and keyData');
  const name = c.name ?? 'cluster';
  const cluster: Cluster = {
    name,
    server: c.server.replace(/\/$/, ''),
    caData: c.caData,
    skipTLSVerify: c.insecureSkipVerify === true,
  };
  const user: User = { name: `${name}-user`, token: c.token, certData: c.certData, keyData: c.keyData };
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(cluster, user);
  return kc;
}

/** Reads one context of a kubeconfig (the current one unless named) into credentials. */
export function credentialsFromKubeconfig(text: string, context?: string): ClusterCredentials {
  let doc: any;
  try {
    doc = parse(text);
  } catch (e) {
    throw new CredentialsError(`kubeconfig is not valid YAML: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object') throw new CredentialsError('kubeconfig is empty');
  const ctxName = context ?? doc['current-context'];
  if (!ctxName) throw new CredentialsError('kubeconfig has no current-context and no context was given');
  const ctx = findNamed(doc.contexts, ctxName)?.context;
  if (!ctx) throw new CredentialsError(`kubeconfig has no context "${ctxName}"`);
  const cluster = findNamed(doc.clusters, ctx.cluster)?.cluster;
  if (!cluster?.server) throw new CredentialsError(`kubeconfig context "${ctxName}" names cluster "${ctx.cluster}", which has no server`);
  const user = findNamed(doc.users, ctx.user)?.user ?? {};
  if (user.exec) throw new CredentialsError(`kubeconfig user "${ctx.user}" uses an exec plugin (${user.exec.command ?? 'command'}); Flotilla does not run programs from a kubeconfig — use a token or a client certificate`);
  if (user['auth-provider']) throw new CredentialsError(`kubeconfig user "${ctx.user}" uses auth-provider "${user['auth-provider'].name ?? ''}"; use a token or a client certificate`);
  for (const key of ['token-file', 'client-certificate', 'client-key', 'username']) {
    if (user[key]) throw new CredentialsError(`kubeconfig user "${ctx.user}" uses "${key}"; only inline token or client-certificate-data/client-key-data are accepted`);
  }
  if (cluster['certificate-authority']) throw new CredentialsError(`kubeconfig cluster "${ctx.cluster}" refers to a CA file; use certificate-authority-data`);
  if (cluster['proxy-url']) throw new CredentialsError(`kubeconfig cluster "${ctx.cluster}" uses proxy-url, which Flotilla does not support`);
  return {
    name: ctx.cluster,
    server: String(cluster.server),
    caData: cluster['certificate-authority-data'],
    insecureSkipVerify: cluster['insecure-skip-tls-verify'] === true,
    token: user.token,
    certData: user['client-certificate-data'],
    keyData: user['client-key-data'],
  };
}

function findNamed(list: unknown, name: string): any {
  return Array.isArray(list) ? list.find((e) => e && e.name === name) : undefined;
}
