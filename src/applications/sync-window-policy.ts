import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../shared/clock';
import type { Application } from './application.entity';
import { evaluateWindows, type SyncWindow, type WindowVerdict } from '../shared/sync-windows';

/** An application's sync windows with the global ones (`sync.windows`), judged at the clock's now. */
@Injectable()
export class SyncWindowPolicy {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  windowsOf(app: Pick<Application, 'syncWindows'>): SyncWindow[] {
    return [...this.config.sync.windows, ...(app.syncWindows ?? [])];
  }

  verdict(app: Pick<Application, 'syncWindows'>): WindowVerdict {
    return evaluateWindows(this.windowsOf(app), this.clock.date());
  }

  /** 'at 2026-12-07T22:00:00.000Z' or 'until further notice', for messages */
  static untilText(v: WindowVerdict): string {
    return v.until ? v.until.toISOString() : 'no window opens within a year';
  }
}
