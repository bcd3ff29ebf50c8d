// Where the audit chain's head is recorded outside the database (`audit.checkpointFile`, by
// default <dataDir>/audit-checkpoints): one small JSON document, replaced atomically, so a reader
// never sees half of one, and flushed to disk, so a crash right after cannot lose it.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
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

  /**
   * Replaces the checkpoint: written beside it (a new file, 0600) and fsynced, renamed over it,
   * then the directory fsynced so the rename itself is on disk.
   */
  write(checkpoint: Checkpoint): void {
    if (!this.path) return;
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    rmSync(tmp, { force: true }); // a leftover of a crash keeps its mode; start from a new file
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify({ seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at }) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    fsyncDirectory(dir);
  }
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (e) {
    // some file systems cannot fsync a directory; the file itself is on disk
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    closeSync(fd);
  }
}
