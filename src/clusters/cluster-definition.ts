// Turns a create/update request into what is stored: server, TLS, auth type and credentials,
// whether they came as fields or inside a kubeconfig. All checks that need no network live here.
import { InvalidInputError, UnprocessableError } from '../shared/errors';
import { certificateProblem, privateKeyProblem } from '../common/pem';
import { credentialsFromKubeconfig } from '../kube';
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

/** what the field form accepts as a bearer token (ClusterAuthDto.token) */
const TOKEN = /^[\x21-\x7e]{1,16384}$/;

export function checkServer(server: string, allowHttp: boolean, field = 'server'): void {
  // never quoted: a URL that does not parse (a space, a stray character) may still carry user-info
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new InvalidInputError(`${field} is not a valid URL`);
  }
  if (url.username || url.password) throw new InvalidInputError(`${field} must not carry credentials in the URL`);
  if (url.protocol === 'http:' && !allowHttp) throw new InvalidInputError(`${field} must be https:// (plain http is allowed only when clusters.allowInsecureHttp is set)`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidInputError(`${field} must be an https:// URL`);
  if (url.search || url.hash) throw new InvalidInputError(`${field} must not have a query or fragment`);
}

/**
 * The connection a kubeconfig describes, checked as strictly as the field form. Its errors
 * (CredentialsError: 400 malformed, 422 refused) and the PEM checks never quote the document.
 */
function fromKubeconfig(text: string, context: string | undefined): Connection {
  const creds = credentialsFromKubeconfig(text, context);
  const problem =
    (creds.caData && certificateProblem('kubeconfig certificate-authority-data', creds.caData)) ||
    (creds.certData && certificateProblem('kubeconfig client-certificate-data', creds.certData)) ||
    (creds.keyData && privateKeyProblem('kubeconfig client-key-data', creds.keyData));
  if (problem) throw new UnprocessableError(problem);
  if (!creds.token && !creds.certData) throw new UnprocessableError('kubeconfig user has neither a token nor client-certificate-data/client-key-data');
  if (creds.token && !TOKEN.test(creds.token)) throw new InvalidInputError('kubeconfig user token must be 1 to 16384 printable characters without spaces');
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
