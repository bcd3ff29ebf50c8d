import { Injectable } from '@nestjs/common';
import { Database } from '../../database/database';
import { Clock } from '../../shared/clock';
import { ConflictError, DomainError, NotFoundError } from '../../shared/errors';
import { Application } from '../application.entity';
import { FINAL_STATES, Rollout, type WaveProgress } from './rollout.entity';
import { RolloutController } from './rollout-controller';
import { startRollback } from './rollout-step';

export const ROLLOUT_ACTIONS = ['pause', 'resume', 'approve', 'promote', 'abort'] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

class NoRolloutError extends DomainError {
  readonly kind = 'notFound';
}

/** The current wave: the first one not yet Completed. */
function currentWave(r: Rollout): WaveProgress | undefined {
  return r.waves.find((w) => w.state !== 'Completed');
}

/**
 * What people do to a rollout (SPEC §1): pause, resume, approve a wave, promote (end the soak
 * now), abort (every moved target back to what it held). Each changes the stored rollout in one
 * write, checked against its state then, and the controller takes it from there at once.
 * The audit interceptor records the request; the controller's events record what followed.
 */
@Injectable()
export class RolloutActions {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly controller: RolloutController,
  ) {}

  /** The application's newest rollout; 404 naming why there is none. */
  async current(name: string): Promise<Rollout> {
    const app = await this.db.manager.findOne(Application, { where: { name }, select: { name: true, rollout: true } });
    if (!app) throw new NotFoundError('application', name);
    const r = await this.db.manager.findOne(Rollout, { where: { application: name }, order: { id: 'DESC' } });
    if (!r)
      throw new NoRolloutError(
        app.rollout ? `application "${name}" has no rollout yet: its first one starts in a moment` : `application "${name}" has no rollout: set rollout in its definition`,
      );
    return r;
  }

  async act(name: string, action: RolloutAction, actor: string): Promise<Rollout> {
    await this.db.write(async (tx) => {
      const r = await tx.findOne(Rollout, { where: { application: name }, order: { id: 'DESC' } });
      if (!r) throw new ConflictError(`application "${name}" has no rollout`);
      const refuse = (why: string) => new ConflictError(`cannot ${action} rollout #${r.id} of ${name} (${r.state}): ${why}`);
      if (FINAL_STATES.includes(r.state)) throw refuse(r.state === 'Completed' ? 'it completed; roll back with POST /applications/:name/rollback' : 'it is over');
      const wave = currentWave(r);
      switch (action) {
        case 'pause':
          if (r.state === 'Paused') throw refuse('it is paused already');
          if (r.state === 'Halted' || r.state === 'RollingBack') throw refuse('it is not moving forward');
          r.state = 'Paused';
          r.message = `paused by ${actor}`;
          break;
        case 'resume':
          if (r.state !== 'Paused' && r.state !== 'Halted') throw refuse('only a paused or halted rollout resumes');
          if (r.state === 'Halted' && wave) {
            // its targets get a fresh run and are judged on it; a failure that persists halts again
            for (const t of wave.targets) {
              if (t.releasedAt === null || t.state === 'Skipped') continue;
              t.state = 'Waiting';
              t.releasedAt = null;
              t.message = null;
            }
            wave.state = 'Progressing';
            r.haltedTarget = null;
          }
          r.state = 'Progressing';
          r.message = `resumed by ${actor}`;
          break;
        case 'approve':
          if (!wave || wave.state !== 'AwaitingApproval') throw refuse('no wave is waiting for approval');
          wave.approvedBy = actor;
          r.state = 'Progressing';
          r.message = `wave "${wave.name}" approved by ${actor}`;
          break;
        case 'promote':
          if (!wave || wave.state !== 'Soaking') throw refuse(`wave "${wave?.name ?? '-'}" is not soaking: its targets are not all Healthy yet`);
          wave.promotedBy = actor;
          r.message = `wave "${wave.name}" promoted by ${actor}`;
          break;
        case 'abort':
          if (r.state === 'RollingBack') throw refuse('it is rolling back already');
          startRollback(r, `aborted by ${actor}: every moved target goes back to the revision it held`);
          break;
      }
      r.updatedAt = this.clock.now();
      await tx.save(Rollout, r);
    });
    // a halted rollout's resume re-releases the wave's targets: they need a new run
    this.controller.mark(name);
    await this.controller.pass();
    return this.current(name);
  }
}
