import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { RevisionMoved } from '../git';

/** In-process events of the repository service; the application layer subscribes. */
@Injectable()
export class RepositoryEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  /** "repository X moved to SHA"; returns the unsubscribe function */
  onMoved(listener: (event: RevisionMoved) => void): () => void {
    this.emitter.on('moved', listener);
    return () => this.emitter.off('moved', listener);
  }

  emitMoved(event: RevisionMoved): void {
    this.emitter.emit('moved', event);
  }
}
