// Typed errors of the Kubernetes adapter. Messages are written for people: they say which verb on
// which resource failed and why, so callers can show them as they are.
import { DomainError, type ErrorKind } from '../shared/errors';

/** What a request was doing, for error messages: `create deployments.apps "web" in namespace "shop"`. */
export interface RequestSubject {
  /** the RBAC verb: get, list, create, patch, delete */
  verb: string;
  /** what the caller was doing, when more precise than the verb: `apply (dry run)` */
  action?: string;
  /** plural resource, with group when not core: `deployments.apps` */
  resource: string;
  namespace?: string;
  name?: string;
}

interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

/** The API server answered with an error status. */
export class KubeApiError extends DomainError {
  override readonly name: string = 'KubeApiError';
  readonly kind: ErrorKind = 'upstream';
  constructor(
    readonly status: number,
    /** the server's Status.reason: NotFound, Forbidden, Invalid, Conflict, … */
    readonly reason: string,
    message: string,
    readonly verb: string,
    readonly resource: string,
    readonly namespace?: string,
    readonly causes: StatusCause[] = [],
  ) {
    super(message);
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  /** The server refused a change to a field that cannot change after creation. */
  get immutableField(): boolean {
    return this.status === 422 && /immutable/i.test(this.message);
  }

  /**
   * The error for an answer with an error status. Only a Kubernetes `Status` body is read (its
   * reason, message and causes); any other body — an HTML error page, a proxy's JSON — is never
   * repeated, and the message names only the HTTP status and `contentType`.
   */
  static fromStatus(status: number, body: unknown, subject: RequestSubject, contentType = 'application/json'): KubeApiError {
    const where = subject.namespace ? ` in namespace ${subject.namespace}` : ' at cluster scope';
    const named = subject.name ? ` "${subject.name}"` : '';
    const action = subject.action ?? subject.verb;
    if (!isKubeStatus(body)) {
      const message =
        status === 401
          ? 'unauthorized: the cluster rejected the credentials'
          : status === 403
            ? `forbidden: cannot ${subject.verb} ${subject.resource}${named}${where}`
            : `${action} ${subject.resource}${named}${where}: HTTP ${status} (${contentType}) that is not a Kubernetes Status`;
      return new KubeApiError(status, defaultReason(status), message, subject.verb, subject.resource, subject.namespace);
    }
    const s = body;
    const reason = s.reason ?? defaultReason(status);
    const causes = s.details?.causes ?? [];
    let message: string;
    if (status === 403) {
      message = `forbidden: cannot ${subject.verb} ${subject.resource}${named}${where}`;
      if (s.message) message += ` (${s.message})`;
    } else if (status === 401) {
      message = 'unauthorized: the cluster rejected the credentials';
    } else if (status === 422 || status === 400) {
      const head = (s.message ?? '').split(' is invalid:')[0];
      const detail = causes.length
        ? causes.map((c) => (c.field ? `${c.field}: ${trimValueDump(c.message ?? c.reason ?? '')}` : trimValueDump(c.message ?? c.reason ?? ''))).join('; ')
        : trimValueDump(s.message ?? 'invalid');
      message = `${action} ${subject.resource}${named}: ${reason}: ${causes.length && head ? `${head} is invalid: ` : ''}${detail}`;
    } else if (status === 500 && /failed to create typed patch object|field not declared in schema|unknown field/.test(s.message ?? '')) {
      // the API server answers a server-side apply that fails strict validation with a 500
      const detail = (s.message ?? '').replace(/^failed to create typed patch object \([^)]*\): /, '');
      message = `${action} ${subject.resource}${named}: strict field validation failed: ${detail}`;
      return new KubeApiError(status, 'Invalid', message, subject.verb, subject.resource, subject.namespace, causes);
    } else {
      message = `${action} ${subject.resource}${named}${where}: ${s.message ?? reason} (HTTP ${status})`;
    }
    return new KubeApiError(status, reason, message, subject.verb, subject.resource, subject.namespace, causes);
  }
}

interface KubeStatus {
  kind: 'Status';
  reason?: string;
  message?: string;
  details?: { causes?: StatusCause[] };
}

/** A Kubernetes `Status` object, the only error body whose text Flotilla repeats. */
export function isKubeStatus(body: unknown): body is KubeStatus {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const s = body as Record<string, unknown>;
  const causes = (s.details as { causes?: unknown } | undefined)?.causes;
  return (
    s.kind === 'Status' &&
    s.apiVersion === 'v1' &&
    (s.message === undefined || typeof s.message === 'string') &&
    (s.reason === undefined || typeof s.reason === 'string') &&
    (s.details === undefined || (typeof s.details === 'object' && s.details !== null)) &&
    (causes === undefined || (Array.isArray(causes) && causes.every((c) => typeof c === 'object' && c !== null)))
  );
}

/**
 * `text/html`, from a Content-Type header, for messages: the media type only (parameters
 * dropped), and only when it looks like one, since the header is whatever the server sent.
 */
export function mediaTypeOf(header: string | undefined): string {
  const type = (header ?? '').split(';')[0].trim().toLowerCase();
  if (!type) return 'no content type';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(type) ? type : 'an unrecognised content type';
}

/**
 * The server answered, but not as a Kubernetes API server does: a redirect, an HTML page, or JSON
 * that is not the document asked for. The message names the HTTP status and content type only:
 * whatever answers at a cluster's address (a login page, an internal service) is never repeated.
 */
export class UnexpectedAnswerError extends DomainError {
  override readonly name = 'UnexpectedAnswerError';
  readonly kind = 'upstream';
  constructor(
    readonly server: string,
    readonly status: number,
    readonly contentType: string,
    subject: RequestSubject,
    /** what a Kubernetes API server answers there: `a Kubernetes version document` */
    readonly expected: string,
  ) {
    super(
      `${subject.action ?? subject.verb} ${subject.resource}: ${server} answered HTTP ${status} (${contentType}), not ${expected}; is this the address of a Kubernetes API server?`,
    );
  }
}

/** A kind the cluster does not serve: the group/version is missing, or the kind is not in it. */
export class UnknownKindError extends KubeApiError {
  override readonly name: string = 'UnknownKindError';
  constructor(
    readonly apiVersion: string,
    readonly objectKind: string,
  ) {
    super(404, 'NotFound', `no kind ${objectKind} in ${apiVersion} — is its CRD installed?`, 'discover', `${objectKind}.${apiVersion}`);
  }
}

/** The cluster could not be reached at all: connection refused, DNS, timeout, reset. */
export class ClusterUnreachableError extends DomainError {
  override readonly name = 'ClusterUnreachableError';
  readonly kind = 'upstream';
  constructor(
    readonly server: string,
    readonly code: string,
    detail: string,
  ) {
    super(`cluster ${server} unreachable: ${detail}`);
  }
}

/** The server's certificate did not verify against the configured CA (or the host name did not match). */
export class TlsVerificationError extends DomainError {
  override readonly name = 'TlsVerificationError';
  readonly kind = 'upstream';
  constructor(
    readonly server: string,
    readonly code: string,
    detail: string,
  ) {
    super(`certificate verification failed for ${server}: ${detail}`);
  }
}

/**
 * A kubeconfig or credential set Flotilla will not use: `unprocessable` when well-formed but
 * refused (exec plugins, auth providers, file references), `invalid` when malformed (not YAML,
 * a field of the wrong type). Messages never quote a value of the kubeconfig.
 */
export class CredentialsError extends DomainError {
  override readonly name = 'CredentialsError';
  constructor(
    message: string,
    readonly kind: Extract<ErrorKind, 'invalid' | 'unprocessable'> = 'unprocessable',
  ) {
    super(message);
  }
}

/**
 * The cluster itself could not be asked — unreachable, its certificate did not verify, or it
 * refused the credentials — as opposed to one request failing. Nothing about the objects can be
 * concluded from it: sync and health are Unknown.
 */
export function isClusterLevel(e: unknown): boolean {
  return e instanceof ClusterUnreachableError || e instanceof TlsVerificationError || (e instanceof KubeApiError && e.status === 401);
}

/** `Invalid value: {…a serialised Go struct…}: field is immutable` → `Invalid value: …: field is immutable` */
function trimValueDump(message: string): string {
  if (message.length < 200) return message;
  const m = /^(.*?Invalid value: )[[{"].*(: [^:]+)$/s.exec(message);
  return m ? `${m[1]}…${m[2]}` : `${message.slice(0, 200)}…`;
}

function defaultReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Gone',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[status] ?? 'Unknown';
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Turns a socket-level failure into ClusterUnreachableError or TlsVerificationError. */
export function classifyTransportError(server: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (TLS_CODES.has(code) || /certificate|self[- ]signed/i.test(e?.message ?? '')) {
    return new TlsVerificationError(server, code, e.message);
  }
  if (UNREACHABLE_CODES.has(code) || code === 'TIMEOUT') return new ClusterUnreachableError(server, code, e.message);
  return new ClusterUnreachableError(server, code || 'UNKNOWN', e?.message ?? String(err));
}
