// Where the audit chain's head is recorded outside the database (`audit.checkpointFile`): one
// small JSON document, replaced atomically, so a reader never sees half of one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ANCHOR_FORMAT, type Anchor } from './audit-chain';

export interface Checkpoint extends Anchor {
  /** when it was written, ISO-8601 */
  at: string;
}

/** The file holds something that is not a checkpoint: edited, or not ours. */
export class CheckpointUnreadableError extends Error {}

export class CheckpointFile {
  /** null when no checkpoint file is configured */
  constructor(readonly path: string | null) {}

  /** The checkpoint written last; null when none is configured or none was written yet. */
  read(): Checkpoint | null {
    if (!this.path) return null;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new CheckpointUnreadableError(`the audit checkpoint cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new CheckpointUnreadableError('the audit checkpoint is not JSON');
    }
    const { seq, hash, at } = (doc ?? {}) as Record<string, unknown>;
    if (typeof seq !== 'number' || typeof hash !== 'string' || typeof at !== 'string' || !ANCHOR_FORMAT.test(`${seq}:${hash}`)) {
      throw new CheckpointUnreadableError('the audit checkpoint is not a {seq, hash, at} document');
    }
    return { seq, hash, at };
  }

  /** Replaces the checkpoint: written beside it, then renamed over it. */
  write(checkpoint: Checkpoint): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at }) + '\n');
    renameSync(tmp, this.path);
  }
}
