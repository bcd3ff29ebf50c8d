// Turns a create/update request into what is stored: server, TLS, auth type and credentials,
// whether they came as fields or inside a kubeconfig. All checks that need no network live here.
import { InvalidInputError, UnprocessableError } from '../shared/errors';
import { certificateProblem, privateKeyProblem } from '../common/pem';
import { credentialsFromKubeconfig, CredentialsError } from '../kube';
import { ClusterAuthType } from './cluster.entity';
import { StoredCredentials } from './cluster-clients';
import type { ClusterAuthDto, TlsDto } from './dto/cluster.dto';

export interface ConnectionFields {
  server?: string;
  tls?: TlsDto;
  auth?: ClusterAuthDto;
  kubeconfig?: string;
  context?: string;
}

export interface Connection {
  server: string;
  caData: string | null;
  insecureSkipVerify: boolean;
  authType: ClusterAuthType;
  credentials: StoredCredentials;
  source: 'fields' | 'kubeconfig';
  kubeconfigContext: string | null;
}

export function checkServer(server: string, allowHttp: boolean, field = 'server'): void {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new InvalidInputError(`${field} "${server}" is not a URL`);
  }
  if (url.username || url.password) throw new InvalidInputError(`${field} must not carry credentials in the URL`);
  if (url.protocol === 'http:' && !allowHttp) throw new InvalidInputError(`${field} must be https:// (plain http is allowed only when clusters.allowInsecureHttp is set)`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidInputError(`${field} must be an https:// URL`);
}

/** The connection a kubeconfig describes, checked as strictly as the field form. */
function fromKubeconfig(text: string, context: string | undefined): Connection {
  let creds;
  try {
    creds = credentialsFromKubeconfig(text, context);
  } catch (e) {
    if (e instanceof CredentialsError && /not valid YAML|is empty/.test(e.message)) throw new InvalidInputError(e.message);
    if (e instanceof CredentialsError) throw new UnprocessableError(e.message);
    throw e;
  }
  const problem =
    (creds.caData && certificateProblem('kubeconfig certificate-authority-data', creds.caData)) ||
    (creds.certData && certificateProblem('kubeconfig client-certificate-data', creds.certData)) ||
    (creds.keyData && privateKeyProblem('kubeconfig client-key-data', creds.keyData));
  if (problem) throw new UnprocessableError(problem);
  if (!creds.token && !creds.certData) throw new UnprocessableError('kubeconfig user has neither a token nor client-certificate-data/client-key-data');
  return {
    server: creds.server,
    caData: creds.caData ?? null,
    insecureSkipVerify: creds.insecureSkipVerify === true,
    authType: creds.token ? 'bearerToken' : 'clientCertificate',
    credentials: creds.token ? { token: creds.token } : { certData: creds.certData, keyData: creds.keyData },
    source: 'kubeconfig',
    kubeconfigContext: context ?? null,
  };
}

function credentialsOf(auth: ClusterAuthDto): StoredCredentials {
  return auth.type === 'bearerToken' ? { token: auth.token } : { certData: auth.certData, keyData: auth.keyData };
}

/**
 * The connection after applying `fields` to `current` (absent for a new cluster). Returns
 * undefined when nothing about the connection changes.
 */
export function resolveConnection(fields: ConnectionFields, current: Connection | undefined, allowHttp: boolean): Connection | undefined {
  if (fields.kubeconfig !== undefined) {
    if (fields.server !== undefined || fields.tls !== undefined || fields.auth !== undefined) {
      throw new InvalidInputError('give either kubeconfig (and context) or server/tls/auth, not both');
    }
    const conn = fromKubeconfig(fields.kubeconfig, fields.context);
    checkServer(conn.server, allowHttp, 'kubeconfig server');
    return conn;
  }
  if (fields.context !== undefined) throw new InvalidInputError('context is only meaningful with kubeconfig');
  if (!current) {
    if (fields.server === undefined) throw new InvalidInputError('server is required (or give a kubeconfig)');
    if (fields.auth === undefined) throw new InvalidInputError('auth is required (or give a kubeconfig)');
  }
  if (fields.server === undefined && fields.tls === undefined && fields.auth === undefined) return undefined;
  const server = fields.server ?? current!.server;
  checkServer(server, allowHttp);
  return {
    server,
    caData: fields.tls ? (fields.tls.caData ?? null) : (current?.caData ?? null),
    insecureSkipVerify: fields.tls ? fields.tls.insecureSkipVerify === true : (current?.insecureSkipVerify ?? false),
    authType: fields.auth?.type ?? current!.authType,
    credentials: fields.auth ? credentialsOf(fields.auth) : current!.credentials,
    source: 'fields',
    kubeconfigContext: null,
  };
}
