// Domain errors: thrown by services, mapped to HTTP status codes in one place (the exception filter).

export abstract class DomainError extends Error {
  abstract readonly status: number;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(kind: string, name: string) {
    super(`${kind} "${name}" not found`);
  }
}

export class ConflictError extends DomainError {
  readonly status = 409;
}

export class InvalidInputError extends DomainError {
  readonly status = 400;
}

/** Well-formed but impossible (SPEC: 422). */
export class UnprocessableError extends DomainError {
  readonly status = 422;
}

/** A stored secret cannot be decrypted with the configured key. Not a client error. */
export class SecretKeyError extends DomainError {
  readonly status = 500;
}
