import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock } from '../shared/clock';

const TICK_MS = 5_000;

/** Proves the scheduler runs: readiness fails when its ticks stop. */
@Injectable()
export class Heartbeat {
  private last: number;

  constructor(private readonly clock: Clock) {
    this.last = clock.now();
  }

  @Interval(TICK_MS)
  tick(): void {
    this.last = this.clock.now();
  }

  alive(): boolean {
    return this.clock.now() - this.last < TICK_MS * 3;
  }
}
