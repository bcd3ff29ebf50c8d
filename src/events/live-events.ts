import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** What changed, for the web UI and `--wait`: small, and never carrying secrets. */
export type LiveEvent =
  | { type: 'target'; application: string; cluster: string; namespace: string; sync?: string; health?: string; revision?: string | null; message?: string | null }
  | { type: 'run'; application: string; cluster: string; namespace: string; id: number; phase: string; trigger: string; revision: string | null }
  | { type: 'application'; application: string; change: 'created' | 'updated' | 'deleted' }
  | { type: 'cluster'; cluster: string; phase?: string; change?: string }
  | { type: 'rollout'; application: string; id: number; state: string; revision: string }
  | { type: 'delivery'; channel: string; id: string; state: string; application: string | null };

/**
 * In-process fan-out of state changes to whoever listens (the SSE endpoint). Publishing never
 * blocks or fails the publisher: a slow reader only loses its own events (its stream is dropped
 * by Node's backpressure, never buffered here without bound).
 */
@Injectable()
export class LiveEvents implements BeforeApplicationShutdown {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly streams = new Set<() => void>();

  /** An open stream to end when the service stops (an open response would hold the shutdown). */
  track(end: () => void): () => void {
    this.streams.add(end);
    return () => this.streams.delete(end);
  }

  beforeApplicationShutdown(): void {
    for (const end of [...this.streams]) end();
    this.streams.clear();
  }

  publish(event: LiveEvent): void {
    try {
      this.emitter.emit('event', event);
    } catch {
      // a listener's failure is its own
    }
  }

  /** returns the unsubscribe function */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  get listeners(): number {
    return this.emitter.listenerCount('event');
  }
}
