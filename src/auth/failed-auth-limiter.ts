import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../shared/clock';
import { RateLimitedError } from '../shared/errors';

const WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;

/**
 * Counts failed authentications per source address in a sliding minute. Past the limit an
 * address gets 429 without its token being looked at, so guessing is capped at the limit per
 * minute. Successful requests are never delayed and never counted.
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** seconds until the address may try again, or 0 */
  retryAfter(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.config.security.failedAuthPerMinute) return 0;
    return Math.max(1, Math.ceil((recent[0] + WINDOW_MS - this.clock.now()) / 1000));
  }

  /** Throws RateLimitedError (429 with Retry-After) while the address is over the limit. */
  check(address: string): void {
    const wait = this.retryAfter(address);
    if (wait > 0) throw new RateLimitedError('too many failed authentications from this address; try again later', wait);
  }

  fail(address: string): void {
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
