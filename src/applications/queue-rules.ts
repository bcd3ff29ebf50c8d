// The reconcile queue's rules, pure and in one place: in which order due targets are taken, how
// long a lease lasts, and when a target is due again after a look at it. The Targets store writes
// them into the rows (targets.ts); the reconciler says which case applies. Unit-tested.
import type { AppConfig } from '../config/app-config';
import type { HealthStatus } from '../engine';
import type { Trigger } from './target.entity';

/** Queue order, lowest first: people and pushes, then self-heal and clusters joining, then periodic checks. */
export const PRIORITY = { urgent: 0, soon: 1, periodic: 2 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

/** The priority a trigger asks for unless its sender names one: a person, a push or a rollback goes first. */
export const TRIGGER_PRIORITY: Readonly<Record<Trigger, Priority>> = {
  manual: PRIORITY.urgent,
  webhook: PRIORITY.urgent,
  rollback: PRIORITY.urgent,
  selfHeal: PRIORITY.soon,
  schedule: PRIORITY.soon,
};

/** When a claimed lease lapses: a process that dies loses its targets after this, not before. */
export function leaseExpiry(now: number, leaseSeconds: number): number {
  return now + leaseSeconds * 1000;
}

/** How often a process renews the lease of a target it works on: a third of the lease, so two renewals may fail before it lapses. */
export function renewalMs(leaseSeconds: number): number {
  return (leaseSeconds * 1000) / 3;
}

/** The configuration the next due time depends on (`sync.*`). */
export type DueTiming = Pick<AppConfig['sync'], 'healthRecheckSeconds' | 'backoffBaseSeconds' | 'backoffMaxSeconds'>;

/** Why a target is looked at again when it is: what the look at it ended with. */
export type NextLook =
  /** nothing to follow: the application's interval */
  | { after: 'interval'; intervalSeconds: number }
  /** the objects' health was read: Progressing is looked at again sooner (sync.healthRecheckSeconds) */
  | { after: 'health'; intervalSeconds: number; health: HealthStatus }
  /** the n-th failure in a row: exponential backoff up to sync.backoffMaxSeconds */
  | { after: 'failures'; failures: number }
  /** an automated run waits for its sync window: when it opens (epoch ms; null: none within a year), or at the interval if that comes first */
  | { after: 'window'; intervalSeconds: number; opensAt: number | null }
  /** a run was interrupted: at once (when Flotilla is back) */
  | { after: 'now' };

/** The epoch ms at which a target is due again, `now` being when the look at it ended. */
export function nextDueAt(now: number, next: NextLook, timing: DueTiming): number {
  switch (next.after) {
    case 'interval':
      return now + next.intervalSeconds * 1000;
    case 'health': {
      const seconds = next.health === 'Progressing' ? Math.min(next.intervalSeconds, timing.healthRecheckSeconds) : next.intervalSeconds;
      return now + seconds * 1000;
    }
    case 'failures':
      return now + Math.min(timing.backoffMaxSeconds, timing.backoffBaseSeconds * 2 ** Math.max(0, next.failures - 1)) * 1000;
    case 'window': {
      const interval = now + next.intervalSeconds * 1000;
      return next.opensAt !== null ? Math.min(next.opensAt, interval) : interval;
    }
    case 'now':
      return now;
  }
}
