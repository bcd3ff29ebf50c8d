// Names that become parts of an API path. The URL parser folds `.` and `..` segments, so an
// object named `..` or an apiVersion `x/../../api/v1` would turn a read of one object into a read
// of another path (a list of Secrets, another namespace); a `%` or `/` would do the same once
// decoded. Refused here before any request is made — by the client for every request, and by
// placement (src/engine/place.ts) with a message naming the object.
import { DomainError } from '../shared/errors';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** An object reference that cannot be turned into a request path. Refused before any request. */
export class InvalidReferenceError extends DomainError {
  readonly kind = 'unprocessable';
}

/** Why `apiVersion` is not `version` or `group/version` as the API server names them, or undefined. */
export function apiVersionProblem(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string' || apiVersion === '') return 'apiVersion is missing';
  const parts = apiVersion.split('/');
  const [group, version] = parts.length === 2 ? parts : ['', parts[0]];
  const ok = parts.length <= 2 && (parts.length === 1 || (group.length <= 253 && DNS_SUBDOMAIN.test(group))) && version.length <= 63 && DNS_LABEL.test(version);
  return ok ? undefined : `apiVersion ${JSON.stringify(apiVersion)} is not "version" or "group/version"`;
}

export function kindProblem(kind: unknown): string | undefined {
  return typeof kind === 'string' && kind.length <= 63 && KIND.test(kind) ? undefined : `kind ${JSON.stringify(kind)} is not a Kubernetes kind name`;
}

/**
 * Why a name or namespace cannot be a path segment, or undefined: the API server's own rule for
 * every resource (no `.` or `..`, no `/` or `%`), plus no control characters.
 */
export function pathSegmentProblem(what: 'name' | 'namespace', value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `${what} is missing`;
  if (value === '.' || value === '..') return `${what} ${JSON.stringify(value)} may not be "." or ".."`;
  if (value.includes('/') || value.includes('%')) return `${what} ${JSON.stringify(value)} may not contain "/" or "%"`;
  if (CONTROL.test(value)) return `${what} ${JSON.stringify(value)} may not contain control characters`;
  return undefined;
}

/** Throws InvalidReferenceError for the first problem of a reference that is about to become a path. */
export function assertReference(ref: { apiVersion?: string; kind?: string; name?: string; namespace?: string }): void {
  const problem =
    (ref.apiVersion !== undefined ? apiVersionProblem(ref.apiVersion) : undefined) ??
    (ref.kind !== undefined ? kindProblem(ref.kind) : undefined) ??
    (ref.namespace !== undefined && ref.namespace !== '' ? pathSegmentProblem('namespace', ref.namespace) : undefined) ??
    (ref.name !== undefined ? pathSegmentProblem('name', ref.name) : undefined);
  if (problem) throw new InvalidReferenceError(`${problem}; refused before any request`);
}
