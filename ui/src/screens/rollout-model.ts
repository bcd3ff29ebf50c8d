// What the rollout panel shows and offers, from the RolloutView: the actions its state allows (as
// the service decides them, so a button is never offered only to be refused), the current wave,
// and the soak countdown between reads.
import type { Rollout, Wave } from '../api/client';

export const ROLLOUT_ACTIONS = ['pause', 'resume', 'approve', 'promote', 'abort'] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

const OVER = ['Completed', 'Superseded', 'RolledBack'];

/** The wave the rollout is at: the first not Completed. */
export function currentWave(r: Rollout): Wave | undefined {
  return r.waves.find((w) => w.state !== 'Completed');
}

/** Whether the service takes `action` in the rollout's state (POST …/rollout/ACTION answers 409 otherwise). */
export function allows(r: Rollout, action: RolloutAction): boolean {
  if (OVER.includes(r.state)) return false;
  switch (action) {
    case 'pause':
      return r.state === 'Progressing' || r.state === 'AwaitingApproval';
    case 'resume':
      return r.state === 'Paused' || r.state === 'Halted';
    case 'approve':
      return currentWave(r)?.state === 'AwaitingApproval';
    case 'promote':
      return currentWave(r)?.state === 'Soaking';
    case 'abort':
      return r.state !== 'RollingBack';
  }
}

/** Seconds of soak left `now`, counted down from what the service said when it was read at `readAt`. */
export function soakLeft(w: Wave, readAt: number, now: number): number | null {
  if (w.state !== 'Soaking' || w.soakRemainingSeconds === null) return null;
  return Math.max(0, Math.ceil(w.soakRemainingSeconds - (now - readAt) / 1000));
}

/** 42 → "42s", 252 → "4m 12s", 3900 → "1h 5m" */
export function secondsText(total: number): string {
  const s = Math.max(0, Math.round(total));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)}h${m ? ` ${m}m` : ''}`;
}
