import { Injectable } from '@nestjs/common';

/** The wall clock, behind a class so tests can move time. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }

  date(): Date {
    return new Date(this.now());
  }
}
