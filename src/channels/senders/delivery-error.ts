// The one error a sender throws. The outbox needs three facts from a failed attempt: try again or
// give up (`retryable`), not before when (`retryAfterSeconds`, from a 429's Retry-After), and what
// to show in the delivery log (`message`, `status`, `body`). Messages are written for people and
// never carry a token, a secret or a full URL (URLs may hold credentials in their path).
import { DomainError, type ErrorKind } from '../../shared/errors';

/** What went wrong, coarsely: lets callers and the delivery log group failures. */
export type DeliveryFailure =
  /** DNS, connection refused or reset, TLS */
  | 'network'
  | 'timeout'
  /** the receiver or Slack answered with an error status */
  | 'http'
  /** 429, or Slack's `ratelimited` */
  | 'rateLimited'
  /** Slack answered `ok: false` (the Slack error code is in `code`) */
  | 'slack'
  /** the receiver answered 3xx; redirects are never followed */
  | 'redirect'
  /** the address is refused by the SSRF guard */
  | 'address'
  /** the delivery itself is malformed (bad URL, bad header); sending it again cannot help */
  | 'invalid';

export interface DeliveryErrorDetails {
  retryable: boolean;
  failure: DeliveryFailure;
  /** seconds the receiver asked to wait (Retry-After), when it said */
  retryAfterSeconds?: number;
  /** the HTTP status, when there was an answer */
  status?: number;
  /** the first 500 bytes of the answer's body, as text, when there was one */
  body?: string;
  /** Slack's error code (`channel_not_found`, `invalid_auth`, …) */
  code?: string;
}

export class DeliveryError extends DomainError {
  readonly kind: ErrorKind = 'upstream';
  readonly retryable: boolean;
  readonly failure: DeliveryFailure;
  readonly retryAfterSeconds?: number;
  readonly status?: number;
  readonly body?: string;
  readonly code?: string;

  constructor(message: string, details: DeliveryErrorDetails) {
    super(message);
    this.retryable = details.retryable;
    this.failure = details.failure;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    if (details.status !== undefined) this.status = details.status;
    if (details.body !== undefined) this.body = details.body;
    if (details.code !== undefined) this.code = details.code;
  }
}

/**
 * Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined
 * when absent or unreadable; never negative; capped at a day so a hostile value cannot park a
 * channel forever.
 */
export function parseRetryAfter(value: string | string[] | null | undefined, nowMs = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), 86_400);
  const at = /^[A-Za-z]{3},/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, Math.ceil((at - nowMs) / 1000)), 86_400);
}

/** Replaces every occurrence of each secret in `text` (error texts from libraries we do not control). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
