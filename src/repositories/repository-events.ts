import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** A repository's tracked branch moved: the one event the application layer reacts to. */
export interface RevisionMoved {
  repository: string;
  branch: string;
  /** SHA the mirror held before the fetch, undefined when the branch was new to it */
  from?: string;
  to: string;
  /** what asked for the fetch that saw the move: a push webhook, or anything else (poll, API) */
  cause: 'webhook' | 'poll';
}

/**
 * In-process events of the repository service: the one source of "repository moved", emitted
 * once per fetch that moved a branch, after the repository's row holds the new revision.
 */
@Injectable()
export class RepositoryEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  /** returns the unsubscribe function */
  onMoved(listener: (event: RevisionMoved) => void): () => void {
    this.emitter.on('moved', listener);
    return () => this.emitter.off('moved', listener);
  }

  emitMoved(event: RevisionMoved): void {
    for (const listener of this.emitter.listeners('moved') as Array<(e: RevisionMoved) => void>) {
      try {
        listener(event);
      } catch {
        // a failing subscriber must not fail the fetch or starve the others
      }
    }
  }
}
