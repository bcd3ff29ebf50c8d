import { describe, expect, it } from 'vitest';
import { DeliveryError, parseRetryAfter, redact } from './delivery-error';

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it.each([
    ['2', 2],
    [' 30 ', 30],
    ['0', 0],
    ['999999999', 86_400],
    ['Thu, 01 Jan 2026 12:00:10 GMT', 10],
    ['Thu, 01 Jan 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
});

describe('DeliveryError', () => {
  it('carries what the outbox needs and maps to an upstream failure', () => {
    const err = new DeliveryError('receiver answered 429', { retryable: true, failure: 'rateLimited', status: 429, retryAfterSeconds: 2 });
    expect(err).toMatchObject({ retryable: true, failure: 'rateLimited', status: 429, retryAfterSeconds: 2, kind: 'upstream', name: 'DeliveryError' });
    expect(err.body).toBeUndefined();
  });

  it('redact removes every occurrence of a secret', () => {
    expect(redact('token xoxb-1234 and xoxb-1234 again', ['xoxb-1234', undefined])).toBe('token [redacted] and [redacted] again');
  });
});
