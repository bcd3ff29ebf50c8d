// Errors every layer may throw, each with a neutral kind. The layers (git, kube, engine, services)
// know nothing of HTTP; the one exception filter maps a kind to a status code. Messages are
// written for people and carry no secrets, so they may be shown to API clients as they are.

export type ErrorKind =
  /** the client sent something wrong (400) */
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'notFound'
  /** name taken, still in use (409) */
  | 'conflict'
  /** too many attempts; try again later (429) */
  | 'rateLimited'
  /** well-formed but impossible (422) */
  | 'unprocessable'
  /** a cluster or git remote Flotilla depends on failed or could not be reached (502) */
  | 'upstream'
  /** Flotilla's own fault or state (500): the message is shown, with an error id */
  | 'internal';

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'notFound';
  constructor(what: string, name: string) {
    super(`${what} "${name}" not found`);
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

export class InvalidInputError extends DomainError {
  readonly kind = 'invalid';
}

/** No or bad credentials (an API token, a webhook signature). */
export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized';
}

/** Too many failed attempts from one address; answered with Retry-After. */
export class RateLimitedError extends DomainError {
  readonly kind = 'rateLimited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Well-formed but impossible (SPEC: 422). */
export class UnprocessableError extends DomainError {
  readonly kind = 'unprocessable';
}

/** A stored secret cannot be decrypted with the configured key. Not a client error. */
export class SecretKeyError extends DomainError {
  readonly kind = 'internal';
}
