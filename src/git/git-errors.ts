// Domain errors of the git layer. Every message is already redacted: no password, token, private
// key or URL user-info ever reaches one, so callers may show them to API clients and log them.

import { DomainError, type ErrorKind } from '../shared/errors';

export class GitError extends DomainError {
  readonly kind: ErrorKind = 'internal';
}

/** A repository URL that Flotilla refuses to hand to git (400 at the API). */
export class GitUrlError extends GitError {
  override readonly kind = 'invalid';
}

/** A path inside a repository that leaves it: `..`, absolute, or a symlink pointing outside. */
export class PathEscapeError extends GitError {
  override readonly kind = 'unprocessable';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${PathEscapeError.prefix(path)}${reason}`);
  }

  /** `path "apps/x" leaves the repository: ` — the path JSON-quoted, so no newline gets through */
  static prefix(path: string): string {
    return `path ${JSON.stringify(path)} leaves the repository: `;
  }
}

/** A path that does not exist at the given commit. */
export class PathNotFoundError extends GitError {
  override readonly kind = 'notFound';
  constructor(
    readonly path: string,
    readonly commit: string,
  ) {
    super(`path ${JSON.stringify(path)} does not exist at commit ${commit.slice(0, 12)}`);
  }
}

/**
 * A commit over the export limits (files, bytes, depth, path length): refused before anything
 * is written. About the commit's content, which never changes: not worth retrying.
 */
export class TreeLimitError extends GitError {
  override readonly kind = 'unprocessable';
  constructor(
    readonly commit: string,
    readonly reason: string,
  ) {
    super(`commit ${commit.slice(0, 12)} cannot be exported: ${reason}`);
  }
}

/** A branch, tag or SHA that the mirror does not hold. */
export class RevisionNotFoundError extends GitError {
  override readonly kind = 'notFound';
  constructor(readonly revision: string) {
    super(`revision "${revision}" not found in the mirror (is it pushed, and has the repository been fetched?)`);
  }
}

export type FetchFailure = 'auth' | 'hostKey' | 'timeout' | 'notFound' | 'network' | 'other';

/** A fetch that did not complete; `reason` lets the API choose a status message. */
export class FetchError extends GitError {
  override readonly kind = 'upstream';
  constructor(
    readonly reason: FetchFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Sorts git's stderr into a failure reason; the text itself is redacted by the caller. */
export function classifyFetchFailure(stderr: string): FetchFailure {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(stderr)) return 'hostKey';
  if (/Authentication failed|could not read (Username|Password)|Permission denied|HTTP Basic: Access denied|returned error: 40[13]/i.test(stderr)) return 'auth';
  if (/not found|does not appear to be a git repository|returned error: 404/i.test(stderr)) return 'notFound';
  if (/Could not resolve host|Connection refused|Connection timed out|Failed to connect|Could not read from remote repository|Operation too slow/i.test(stderr)) return 'network';
  return 'other';
}
