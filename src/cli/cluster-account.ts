// `cluster add`, the one place the CLI talks to a Kubernetes cluster: with the person's kubeconfig
// it creates an account for Flotilla (ServiceAccount, ClusterRole, ClusterRoleBinding, token
// Secret) and hands back that account's token — the person's own credentials never leave this
// machine. @kubernetes/client-node reads the kubeconfig and supplies its TLS and auth (exec
// plugins included, since the person runs them here); objects go as raw JSON (server-side apply).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { CliError } from './errors';

export const ACCOUNT = {
  namespace: 'kube-system',
  serviceAccount: 'flotilla-manager',
  clusterRole: 'flotilla-manager-role',
  clusterRoleBinding: 'flotilla-manager-role-binding',
  secret: 'flotilla-manager-token',
} as const;

const FIELD_MANAGER = 'flotilla-cli';
const LABELS = { 'app.kubernetes.io/part-of': 'flotilla', 'app.kubernetes.io/component': 'cluster-access' };
/** what a TokenRequest asks for when no token controller fills the Secret: one year */
export const TOKEN_REQUEST_SECONDS = 365 * 24 * 3600;

export interface KubeContext {
  kc: KubeConfig;
  context: string;
  cluster: string;
  user: string;
  server: string;
  /** base64 PEM of the CA the kubeconfig trusts for this server, if it names one */
  caData?: string;
  skipTLSVerify: boolean;
}

export interface ClusterCredentialsBody {
  server: string;
  tls: { caData?: string; insecureSkipVerify: boolean };
  auth: { type: 'bearerToken'; token: string } | { type: 'clientCertificate'; certData: string; keyData: string };
}

/** One context of the kubeconfig named by --kubeconfig, else $KUBECONFIG, else ~/.kube/config. */
export async function loadKubeContext(context: string, kubeconfig?: string): Promise<KubeContext> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    // the library trips over an empty or foreign file with a TypeError; say what it means
    const why = e instanceof TypeError ? 'it is empty or not a kubeconfig' : (e as Error).message.split('\n')[0];
    throw new CliError(`cannot read the kubeconfig${kubeconfig ? ` ${kubeconfig}` : ''}: ${why}`, 'name one with --kubeconfig FILE');
  }
  const ctx = kc.getContextObject(context);
  if (!ctx) {
    const names = kc.getContexts().map((c) => c.name);
    throw new CliError(`the kubeconfig has no context "${context}"`, names.length ? `its contexts: ${names.join(', ')}` : 'name a kubeconfig with --kubeconfig FILE');
  }
  kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new CliError(`context "${context}" names cluster "${ctx.cluster}", which the kubeconfig does not define or gives no server`);
  if (!kc.getCurrentUser()) throw new CliError(`context "${context}" names user "${ctx.user}", which the kubeconfig does not define`);
  if (cluster.proxyUrl) throw new CliError(`cluster "${cluster.name}" uses proxy-url, which flotilla cluster add does not support`);
  let caData = cluster.caData;
  if (!caData && cluster.caFile) {
    try {
      caData = readFileSync(cluster.caFile).toString('base64');
    } catch (e) {
      throw new CliError(`cannot read the CA file ${cluster.caFile} of cluster "${cluster.name}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return { kc, context, cluster: cluster.name, user: ctx.user, server: cluster.server.replace(/\/+$/, ''), caData, skipTLSVerify: cluster.skipTLSVerify === true };
}

/**
 * The context's own credentials, for --use-current-credentials: a token or a client certificate.
 * Exec plugins and auth providers are refused, as the API refuses them: Flotilla would have to
 * run a program of this machine's.
 */
export function currentCredentials(k: KubeContext): ClusterCredentialsBody['auth'] {
  const user = k.kc.getCurrentUser()!;
  if (user.exec) {
    const command = typeof user.exec?.command === 'string' ? ` (${user.exec.command})` : '';
    throw new CliError(
      `kubeconfig user "${k.user}" uses an exec plugin${command}; Flotilla does not run programs from a kubeconfig`,
      'drop --use-current-credentials: cluster add then creates a ServiceAccount for Flotilla',
    );
  }
  if (user.authProvider) {
    throw new CliError(
      `kubeconfig user "${k.user}" uses an auth provider; Flotilla accepts only a token or a client certificate`,
      'drop --use-current-credentials: cluster add then creates a ServiceAccount for Flotilla',
    );
  }
  if (user.token) return { type: 'bearerToken', token: user.token.trim() };
  const certData = user.certData ?? (user.certFile ? readFileSync(user.certFile).toString('base64') : undefined);
  const keyData = user.keyData ?? (user.keyFile ? readFileSync(user.keyFile).toString('base64') : undefined);
  if (certData && keyData) return { type: 'clientCertificate', certData, keyData };
  throw new CliError(
    `kubeconfig user "${k.user}" has neither a token nor a client certificate and key`,
    'drop --use-current-credentials: cluster add then creates a ServiceAccount for Flotilla',
  );
}

interface KubeAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API server's raw JSON answer (a Kubernetes object or Status)
  body: any;
}

/** A raw JSON call to the cluster with the kubeconfig's TLS and auth. */
export async function kubeCall(k: KubeContext, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeAnswer> {
  const opts: RequestOptions = {};
  try {
    await k.kc.applyToHTTPSOptions(opts);
  } catch (e) {
    throw new CliError(`cannot get credentials for kubeconfig user "${k.user}": ${(e as Error).message.split('\n')[0]}`);
  }
  const url = new URL(path, `${k.server}/`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((done, fail) => {
    const req = send(
      url,
      {
        ...opts,
        method,
        headers: {
          ...(opts.headers as Record<string, string>),
          accept: 'application/json',
          ...(payload !== undefined ? { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          done({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', fail);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${k.server} within 30 s`)));
    req.on('error', (e: NodeJS.ErrnoException) => fail(new CliError(`cannot reach cluster ${k.server} of context "${k.context}": ${e.code ?? e.message}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function refused(k: KubeContext, what: string, answer: KubeAnswer): CliError {
  const message = typeof answer.body === 'object' && answer.body?.message ? answer.body.message : `HTTP ${answer.status}`;
  const hint =
    answer.status === 401
      ? `the kubeconfig's credentials for context "${k.context}" were not accepted`
      : answer.status === 403
        ? 'cluster add needs rights to create ServiceAccounts, Secrets and RBAC in kube-system (cluster-admin); or register your own credentials with --use-current-credentials'
        : undefined;
  return new CliError(`${what} in context "${k.context}": ${message}`, hint);
}

async function apply(k: KubeContext, path: string, object: Record<string, unknown>, what: string): Promise<void> {
  const answer = await kubeCall(k, 'PATCH', `${path}?fieldManager=${FIELD_MANAGER}&force=true`, object, 'application/apply-patch+yaml');
  if (answer.status !== 200 && answer.status !== 201) throw refused(k, `cannot create ${what}`, answer);
}

export interface AccountToken {
  token: string;
  /** where it came from: the token Secret, or a TokenRequest with its expiry */
  source: 'secret' | 'tokenRequest';
  expiresAt?: string;
}

/**
 * Creates (or updates) Flotilla's account and returns its token: from the long-lived token
 * Secret once the token controller has filled it, else — after `waitMs`, when no controller runs
 * (a bare API server, some managed control planes) — from the TokenRequest API.
 */
export async function provisionAccount(k: KubeContext, waitMs: number, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<AccountToken> {
  const { namespace, serviceAccount, clusterRole, clusterRoleBinding, secret } = ACCOUNT;
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await apply(
    k,
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}`,
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: serviceAccount, namespace, labels: LABELS },
    },
    `ServiceAccount ${namespace}/${serviceAccount}`,
  );
  // Flotilla applies whatever git holds, CRDs and cluster-scoped kinds included: all rights, as argocd-manager has
  await apply(
    k,
    `${rbac}/clusterroles/${clusterRole}`,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: clusterRole, labels: LABELS },
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
    },
    `ClusterRole ${clusterRole}`,
  );
  await apply(
    k,
    `${rbac}/clusterrolebindings/${clusterRoleBinding}`,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterRoleBinding, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
    `ClusterRoleBinding ${clusterRoleBinding}`,
  );
  await apply(
    k,
    `/api/v1/namespaces/${namespace}/secrets/${secret}`,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: { name: secret, namespace, labels: LABELS, annotations: { 'kubernetes.io/service-account.name': serviceAccount } },
    },
    `Secret ${namespace}/${secret}`,
  );

  const deadline = Date.now() + waitMs;
  for (;;) {
    const answer = await kubeCall(k, 'GET', `/api/v1/namespaces/${namespace}/secrets/${secret}`);
    if (answer.status !== 200) throw refused(k, `cannot read Secret ${namespace}/${secret}`, answer);
    const data = answer.body?.data?.token;
    if (typeof data === 'string' && data) return { token: Buffer.from(data, 'base64').toString('utf8'), source: 'secret' };
    if (Date.now() >= deadline) break;
    await sleep(250);
  }
  const answer = await kubeCall(k, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: TOKEN_REQUEST_SECONDS },
  });
  if (answer.status !== 201 && answer.status !== 200) throw refused(k, `cannot request a token for ServiceAccount ${namespace}/${serviceAccount}`, answer);
  const token = answer.body?.status?.token;
  if (typeof token !== 'string' || !token) throw new CliError(`the TokenRequest for ServiceAccount ${namespace}/${serviceAccount} returned no token`);
  return { token, source: 'tokenRequest', expiresAt: answer.body.status.expirationTimestamp };
}
