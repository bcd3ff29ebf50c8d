import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * A change of the registry that moves a fan-out: a cluster registered, its labels changed, or it
 * was removed — or it came back Connected after a failed check. Only explicit changes are
 * published: a failed read or an unreachable cluster never makes a cluster "leave".
 */
export interface ClusterChange {
  kind: 'registered' | 'relabelled' | 'removed' | 'reconnected';
  cluster: string;
}

/** In-process events of the cluster registry, emitted after the change is stored. */
@Injectable()
export class ClusterEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  /** returns the unsubscribe function */
  onChange(listener: (change: ClusterChange) => Promise<void> | void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  /** Tells every listener and waits for them, so an API answer comes after the fan-out moved. */
  async emit(change: ClusterChange): Promise<void> {
    const listeners = this.emitter.listeners('change') as Array<(c: ClusterChange) => Promise<void> | void>;
    await Promise.all(listeners.map(async (l) => l(change)));
  }
}
