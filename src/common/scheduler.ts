import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock, type Timer } from '../shared/clock';

export interface EveryOptions {
  /** ± this fraction of the interval, drawn afresh each time, so many jobs with one interval do
   *  not fire in lockstep (0.1 → 90–110 %); default 0 */
  jitter?: number;
  /** the first run right away instead of after one interval */
  immediate?: boolean;
}

type Task = () => unknown;

interface Job {
  timer?: Timer;
  /** the run in flight, if any */
  running?: Promise<void>;
}

/**
 * Every timer of the service: periodic jobs with jitter, and "run once at". Runs of one job never
 * overlap: the next run is armed only when the current one has ended (the failure mode of
 * `@Interval` with slow async handlers, nestjs/schedule#629). A job is named; scheduling a name
 * again replaces it. Time comes from the injected Clock, so tests drive it with a ManualClock
 * instead of sleeping. Stops every job at shutdown. With the system clock each armed timer is
 * also listed in @nestjs/schedule's SchedulerRegistry under the job's name.
 */
@Injectable()
export class Scheduler implements OnApplicationShutdown {
  private readonly log = new Logger(Scheduler.name);
  private readonly jobs = new Map<string, Job>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly registry: SchedulerRegistry,
  ) {}

  /** Runs `task` every `intervalMs` (± jitter), one run at a time. */
  every(name: string, intervalMs: number, task: Task, options: EveryOptions = {}): void {
    if (!(intervalMs > 0)) throw new Error(`job ${name}: interval must be positive, not ${intervalMs}`);
    const job = this.replace(name);
    const jitter = options.jitter ?? 0;
    const arm = (delay: number) => {
      if (this.jobs.get(name) !== job) return;
      job.timer = this.arm(name, delay, () => {
        job.timer = undefined;
        job.running = this.run(name, task).finally(() => {
          job.running = undefined;
          arm(intervalMs * (1 - jitter + Math.random() * 2 * jitter));
        });
      });
    };
    arm(options.immediate ? 0 : intervalMs * (1 - jitter + Math.random() * 2 * jitter));
  }

  /** Runs `task` once at `when` (at once when that has passed). */
  at(name: string, when: Date | number, task: Task): void {
    const job = this.replace(name);
    const delay = (typeof when === 'number' ? when : when.getTime()) - this.clock.now();
    job.timer = this.arm(name, delay, () => {
      if (this.jobs.get(name) !== job) return;
      this.jobs.delete(name);
      job.timer = undefined;
      void this.run(name, task);
    });
  }

  cancel(name: string): void {
    this.jobs.get(name)?.timer?.cancel();
    this.unlist(name);
    this.jobs.delete(name);
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  /** names of the scheduled jobs */
  names(): string[] {
    return [...this.jobs.keys()];
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const running = [...this.jobs.values()].flatMap((j) => (j.running ? [j.running] : []));
    for (const name of this.names()) this.cancel(name);
    await Promise.allSettled(running);
  }

  private replace(name: string): Job {
    if (this.stopped) throw new Error(`job ${name}: the scheduler has stopped`);
    this.cancel(name);
    const job: Job = {};
    this.jobs.set(name, job);
    return job;
  }

  private arm(name: string, delay: number, fire: () => void): Timer {
    this.unlist(name);
    const timer = this.clock.after(delay, () => {
      this.unlist(name);
      fire();
    });
    if (timer.handle) this.registry.addTimeout(name, timer.handle);
    return timer;
  }

  private unlist(name: string): void {
    if (this.registry.doesExist('timeout', name)) this.registry.deleteTimeout(name);
  }

  private async run(name: string, task: Task): Promise<void> {
    try {
      await task();
    } catch (e) {
      this.log.warn({ job: name, err: e }, `scheduled job ${name} failed`);
    }
  }
}
