import { Injectable } from '@nestjs/common';

/**
 * A change of the registry that moves a fan-out: a cluster registered, its labels changed, or it
 * was removed — or it came back Connected after a failed check. Only explicit changes are
 * published: a failed read or an unreachable cluster never makes a cluster "leave".
 */
export interface ClusterChange {
  kind: 'registered' | 'relabelled' | 'removed' | 'reconnected';
  cluster: string;
}

type Listener = (change: ClusterChange) => Promise<void> | void;

/**
 * In-process events of the cluster registry, emitted after the change is stored. A plain list of
 * listeners, not an EventEmitter: `emit` awaits every listener's promise, which an EventEmitter
 * would drop.
 */
@Injectable()
export class ClusterEvents {
  private readonly listeners: Listener[] = [];

  /** returns the unsubscribe function */
  onChange(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.lastIndexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Tells every listener and waits for them, so an API answer comes after the fan-out moved. */
  async emit(change: ClusterChange): Promise<void> {
    await Promise.all([...this.listeners].map(async (l) => l(change)));
  }
}
