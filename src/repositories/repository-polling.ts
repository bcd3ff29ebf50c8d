import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

const JITTER = 0.1;

/**
 * One timer per repository on its own interval, ±10 % jitter so many repositories with the same
 * interval do not fetch in lockstep. The next poll is scheduled only after the current one ends,
 * so polls of one repository never overlap (and the fetch itself is coalesced besides).
 */
@Injectable()
export class RepositoryPolling implements OnApplicationShutdown {
  private readonly log = new Logger(RepositoryPolling.name);
  /** the current schedule of each repository; a timer of an older one stops re-arming */
  private readonly schedules = new Map<string, number>();
  private nextSchedule = 0;
  private stopped = false;

  constructor(private readonly scheduler: SchedulerRegistry) {}

  schedule(name: string, intervalSeconds: number, poll: () => Promise<unknown>): void {
    this.cancel(name);
    const id = ++this.nextSchedule;
    this.schedules.set(name, id);
    const arm = () => {
      if (this.stopped || this.schedules.get(name) !== id) return;
      const delay = intervalSeconds * 1000 * (1 - JITTER + Math.random() * 2 * JITTER);
      const timer = setTimeout(async () => {
        if (this.scheduler.doesExist('timeout', key(name))) this.scheduler.deleteTimeout(key(name));
        try {
          await poll();
        } catch (e) {
          this.log.debug({ repository: name, err: e }, 'poll failed');
        }
        arm();
      }, delay);
      timer.unref();
      this.scheduler.addTimeout(key(name), timer);
    };
    arm();
  }

  cancel(name: string): void {
    this.schedules.delete(name);
    if (this.scheduler.doesExist('timeout', key(name))) this.scheduler.deleteTimeout(key(name));
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const name of [...this.schedules.keys()]) this.cancel(name);
  }
}

const key = (name: string) => `repository-poll:${name}`;
