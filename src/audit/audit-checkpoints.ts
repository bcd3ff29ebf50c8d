import { relative, isAbsolute } from 'node:path';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Scheduler } from '../common/scheduler';
import { AppConfig } from '../config/app-config';
import { Clock } from '../shared/clock';
import { GENESIS_HASH } from './audit-chain';
import { AuditLog } from './audit-log';
import { type Checkpoint, CheckpointFile, CheckpointUnreadableError } from './checkpoint-file';

export const CHECKPOINT_JOB = 'audit.checkpoint';

/**
 * Writes the audit chain's head to `audit.checkpointFile` every `audit.checkpointIntervalSeconds`
 * (and once at start), so that removing entries from the end of the log — which leaves a chain
 * that verifies — is caught by `/audit/verify`. A checkpoint never moves backwards: when the
 * entry it names is gone or changed, or the log appended since does not fit the chain, the old
 * checkpoint is kept as the evidence and the problem logged, at every interval until resolved.
 */
@Injectable()
export class AuditCheckpoints implements OnApplicationBootstrap {
  private readonly log = new Logger(AuditCheckpoints.name);

  constructor(
    private readonly config: AppConfig,
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly file: CheckpointFile,
  ) {}

  onApplicationBootstrap(): void {
    const path = this.file.path;
    if (!path) return;
    const inside = relative(this.config.dataDir, path);
    if (!inside.startsWith('..') && !isAbsolute(inside)) {
      this.log.warn({ file: path }, 'audit.checkpointFile is inside the data directory: whoever can rewrite the database there can rewrite the checkpoint too');
    }
    this.scheduler.every(CHECKPOINT_JOB, this.config.audit.checkpointIntervalSeconds * 1000, () => this.write(), { immediate: true });
  }

  /** Writes the head when it moved and the chain still holds the last checkpoint. */
  async write(): Promise<'written' | 'unchanged' | 'refused'> {
    let previous: Checkpoint | null;
    try {
      previous = this.file.read();
    } catch (e) {
      if (!(e instanceof CheckpointUnreadableError)) throw e;
      this.log.error({ file: this.file.path }, `${e.message}; it is left as it is and no checkpoint is written`);
      return 'refused';
    }
    const since = previous ?? { seq: 0, hash: GENESIS_HASH };
    const check = await this.audit.continues(since);
    if (!check.ok) {
      this.log.error({ file: this.file.path, checkpointSeq: since.seq }, `the audit log no longer holds its last checkpoint (${check.reason}); the checkpoint is kept and no new one is written`);
      return 'refused';
    }
    if (check.head.seq === since.seq) return 'unchanged';
    this.file.write({ ...check.head, at: this.clock.date().toISOString() });
    return 'written';
  }
}
