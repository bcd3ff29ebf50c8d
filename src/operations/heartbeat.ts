import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Scheduler } from '../common/scheduler';
import { Clock } from '../shared/clock';

const TICK_MS = 5_000;

/** Proves the scheduler runs: readiness fails when its ticks stop. */
@Injectable()
export class Heartbeat implements OnApplicationBootstrap {
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
  ) {
    this.last = clock.now();
  }

  onApplicationBootstrap(): void {
    this.scheduler.every('heartbeat', TICK_MS, () => this.tick());
  }

  tick(): void {
    this.last = this.clock.now();
  }

  alive(): boolean {
    return this.clock.now() - this.last < TICK_MS * 3;
  }
}
