import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../shared/clock';
import { RateLimitedError } from '../shared/errors';

const WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;

/**
 * Counts failed authentications (bad tokens, forged webhook signatures) per client address in a
 * sliding minute. Only failures are limited: a caller asks only after the credential failed, so
 * a valid token or signature always passes, however many failures its address (a NAT, an
 * ingress) has seen — otherwise anyone sharing that address could lock everyone out. Past the
 * limit a failure is answered 429 instead of 401 and not audited, so a flood cannot fill the
 * audit log; it is not counted either, so the address is free again a minute after its first
 * counted failure.
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** seconds until failures from the address are counted (and audited) again, or 0 */
  retryAfter(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.config.security.failedAuthPerMinute) return 0;
    return Math.max(1, Math.ceil((recent[0] + WINDOW_MS - this.clock.now()) / 1000));
  }

  /**
   * Counts one failed authentication from `address`; call it before auditing the failure. Past
   * the limit it throws RateLimitedError (429 with Retry-After) instead, counting nothing, and
   * the caller writes nothing.
   */
  fail(address: string): void {
    const wait = this.retryAfter(address);
    if (wait > 0) throw new RateLimitedError('too many failed authentications from this address; try again later', wait);
    const recent = this.recent(address);
    recent.push(this.clock.now());
    this.failures.set(address, recent);
    if (this.failures.size > MAX_TRACKED) this.evict();
  }

  private recent(address: string): number[] {
    const since = this.clock.now() - WINDOW_MS;
    const list = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(address, list);
    else this.failures.delete(address);
    return list;
  }

  private evict(): void {
    for (const address of [...this.failures.keys()]) this.recent(address);
  }
}
