import { isAbsolute, join, relative } from 'node:path';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Scheduler } from '../common/scheduler';
import { AppConfig } from '../config/app-config';
import { Clock } from '../shared/clock';
import { GENESIS_HASH } from './audit-chain';
import { AuditLog } from './audit-log';
import { type Checkpoint, CheckpointFile, CheckpointUnreadableError } from './checkpoint-file';

export const CHECKPOINT_JOB = 'audit.checkpoint';

/** audit.checkpointFile's default, in dataDir (config/default.yaml) */
export const DEFAULT_CHECKPOINT_FILE = 'audit-checkpoints';

/** The start of the log line of every checkpoint written, with audit.logCheckpoints: `audit checkpoint <seq>:<hash>`. */
export const CHECKPOINT_LOG_PREFIX = 'audit checkpoint ';

/**
 * Writes the audit chain's head to `audit.checkpointFile` (by default <dataDir>/audit-checkpoints)
 * every `audit.checkpointIntervalSeconds`, once at start and once at shutdown, so that removing
 * entries from the end of the log — which leaves a chain that verifies — is caught by
 * `/audit/verify`. A checkpoint never moves backwards: when the entry it names is gone or
 * changed, or the log appended since does not fit the chain, the old checkpoint is kept as the
 * evidence and the problem logged, at every interval until resolved.
 *
 * With `audit.logCheckpoints` every checkpoint written is also logged at info as
 * `audit checkpoint <seq>:<hash>`, for a log shipper to keep where the Flotilla host cannot
 * rewrite it. (The log, rather than a hook channel: deliveries are queued in the very database
 * the checkpoint guards, and each delivery is itself audited, which would move the head again.)
 */
@Injectable()
export class AuditCheckpoints implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(AuditCheckpoints.name);
  /** whether the job runs (set at bootstrap): no checkpoint at shutdown of a start that failed */
  private started = false;
  /** the write in progress: writes run one at a time, so a slow one cannot land after a newer one */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly file: CheckpointFile,
  ) {}

  onApplicationBootstrap(): void {
    const path = this.file.path;
    const { logCheckpoints } = this.config.audit;
    if (!path) {
      if (logCheckpoints) this.log.warn('audit.logCheckpoints is true but audit.checkpointFile is null: no checkpoints are taken, so none are logged');
      return;
    }
    if (logCheckpoints && ['warn', 'error', 'fatal', 'silent'].includes(this.config.log.level)) {
      this.log.warn({ level: this.config.log.level }, 'audit.logCheckpoints is true, but checkpoints are logged at info, which log.level hides');
    }
    const inside = relative(this.config.dataDir, path);
    if (!inside.startsWith('..') && !isAbsolute(inside)) {
      const weak = 'whoever can rewrite the database there can rewrite the checkpoint too';
      if (path !== join(this.config.dataDir, DEFAULT_CHECKPOINT_FILE)) this.log.warn({ file: path }, `audit.checkpointFile is inside the data directory: ${weak}`);
      else if (!logCheckpoints) {
        this.log.log(
          { file: path },
          `audit checkpoints are written inside the data directory (the default): they catch entries removed from the database file alone, but ${weak}; set audit.checkpointFile to another volume, or audit.logCheckpoints, to keep them elsewhere`,
        );
      }
    }
    this.started = true;
    this.scheduler.every(CHECKPOINT_JOB, this.config.audit.checkpointIntervalSeconds * 1000, () => this.write(), { immediate: true });
  }

  /** The last checkpoint, before the database closes: what was recorded up to the stop is covered at once. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    try {
      await this.write();
    } catch (e) {
      this.log.error({ err: e, file: this.file.path }, 'the audit checkpoint at shutdown could not be written');
    }
  }

  /** Writes the head when it moved and the chain still holds the last checkpoint; one write at a time. */
  write(): Promise<'written' | 'unchanged' | 'refused'> {
    const run = this.writing.then(() => this.writeNow());
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async writeNow(): Promise<'written' | 'unchanged' | 'refused'> {
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
      this.log.error(
        { file: this.file.path, checkpointSeq: since.seq },
        `the audit log no longer holds its last checkpoint (${check.reason}); the checkpoint is kept and no new one is written`,
      );
      return 'refused';
    }
    if (check.head.seq === since.seq) return 'unchanged';
    const checkpoint = { ...check.head, at: this.clock.date().toISOString() };
    this.file.write(checkpoint);
    if (this.config.audit.logCheckpoints) this.log.log({ auditCheckpoint: checkpoint }, `${CHECKPOINT_LOG_PREFIX}${checkpoint.seq}:${checkpoint.hash}`);
    return 'written';
  }
}
