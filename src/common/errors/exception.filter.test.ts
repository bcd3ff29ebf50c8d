import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { FetchError, GitUrlError, PathEscapeError, PathNotFoundError, UnknownRepositoryError } from '../../git';
import { ClusterUnreachableError, CredentialsError, KubeApiError, UnknownKindError } from '../../kube';
import { ConflictError, InvalidInputError, NotFoundError, RateLimitedError, SecretKeyError, UnauthorizedError, UnprocessableError } from '../../shared/errors';
import { AllExceptionsFilter } from './exception.filter';

function answer(err: unknown) {
  const filter = new AllExceptionsFilter();
  const headers: Record<string, string> = {};
  let sent: { status: number; body: Record<string, unknown> } | undefined;
  const res = {
    headersSent: false,
    setHeader: (k: string, v: string) => void (headers[k] = v),
    status: (status: number) => ({ json: (body: Record<string, unknown>) => void (sent = { status, body }) }),
  };
  filter.catch(err, { switchToHttp: () => ({ getResponse: () => res }) } as never);
  return { ...sent!, headers };
}

describe('the exception filter', () => {
  it('maps every layer’s errors by their kind, with their message', () => {
    const cases: [Error, number][] = [
      [new InvalidInputError('bad field'), 400],
      [new GitUrlError('ext:: is refused'), 400],
      [new UnauthorizedError('signature does not match'), 401],
      [new NotFoundError('cluster', 'x'), 404],
      [new PathNotFoundError('apps/x', 'a'.repeat(40)), 404],
      [new UnknownRepositoryError('r'), 404],
      [new ConflictError('taken'), 409],
      [new UnprocessableError('exec plugin'), 422],
      [new PathEscapeError('../x', 'leaves'), 422],
      [new CredentialsError('auth provider'), 422],
      [new FetchError('network', 'fetching failed'), 502],
      [new ClusterUnreachableError('https://x', 'ECONNREFUSED', 'refused'), 502],
      [new KubeApiError(403, 'Forbidden', 'forbidden: cannot list', 'list', 'namespaces'), 502],
      [new UnknownKindError('x.io/v1', 'Widget'), 502],
    ];
    for (const [err, status] of cases) {
      const { status: got, body } = answer(err);
      expect(got, err.constructor.name).toBe(status);
      expect(body).toMatchObject({ statusCode: status, message: err.message });
      expect(body.errorId).toBeUndefined();
    }
  });

  it('answers a rate limit with 429 and Retry-After', () => {
    const { status, headers } = answer(new RateLimitedError('too many failed authentications', 42));
    expect(status).toBe(429);
    expect(headers['retry-after']).toBe('42');
  });

  it('hides what it did not expect behind an error id, and shows its own internal errors with one', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const unexpected = answer(new TypeError('secret internals at /srv/x'));
      expect(unexpected.status).toBe(500);
      expect(unexpected.body.message).toBe('internal error');
      expect(unexpected.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
      const own = answer(new SecretKeyError('stored credentials cannot be decrypted with this key'));
      expect(own.status).toBe(500);
      expect(own.body).toMatchObject({ message: 'stored credentials cannot be decrypted with this key', errorId: expect.any(String) });
      expect(logged).toHaveBeenCalledTimes(2);
    } finally {
      logged.mockRestore();
    }
  });

  it('gives each error the same status in the audit log as in the answer', () => {
    for (const err of [new ConflictError('x'), new FetchError('auth', 'x'), new RateLimitedError('x', 1), new Error('x')]) {
      expect(AllExceptionsFilter.statusOf(err)).toBe(answer(err).status);
    }
  });
});
