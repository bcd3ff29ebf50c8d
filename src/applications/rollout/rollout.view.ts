import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLLOUT_STATES, ROLLOUT_TARGET_STATES, WAVE_STATES, type Rollout, type RolloutState, type RolloutTargetState, type WaveState } from './rollout.entity';
import { waveSpec } from './waves';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class RolloutTargetView {
  @ApiProperty() cluster!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty({
    enum: ROLLOUT_TARGET_STATES,
    enumName: 'RolloutTargetState',
    description: 'Waiting for its turn, Syncing (released, not yet Healthy at the revision), Healthy, Failed, Unreachable, Skipped, RollingBack, RolledBack',
  })
  state!: RolloutTargetState;
  @ApiProperty({ type: String, nullable: true, description: 'the SHA it held when released: what a rollback restores' }) from!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) releasedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) unreachableSince!: string | null;
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
}

export class WaveView {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: WAVE_STATES, enumName: 'WaveState' }) state!: WaveState;
  @ApiProperty({ oneOf: [{ type: 'integer' }, { type: 'string' }], nullable: true, description: 'as defined; null: all at once' }) maxParallel!: number | string | null;
  @ApiProperty({ type: 'integer' }) soakSeconds!: number;
  @ApiProperty() approval!: boolean;
  @ApiProperty({ type: 'integer', description: 'targets in the wave' }) total!: number;
  @ApiProperty({ type: 'integer', description: 'targets Healthy at the revision' }) done!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'every target Healthy since' }) soakStartedAt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'seconds of soak left while Soaking' }) soakRemainingSeconds!: number | null;
  @ApiProperty({ type: String, nullable: true }) approvedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) promotedBy!: string | null;
  @ApiProperty({ type: [RolloutTargetView] }) targets!: RolloutTargetView[];
}

export class RolloutView {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty() application!: string;
  @ApiProperty({ description: 'the commit SHA the rollout moves targets to' }) revision!: string;
  @ApiProperty({ enum: ROLLOUT_STATES, enumName: 'RolloutState' }) state!: RolloutState;
  @ApiProperty({ description: 'what started it: webhook, schedule, rollback, manual' }) trigger!: string;
  @ApiProperty() actor!: string;
  @ApiProperty({ type: String, nullable: true, description: 'why it halted, waits, was paused, superseded or rolled back' }) message!: string | null;
  @ApiPropertyOptional({ type: 'object', nullable: true, properties: { cluster: { type: 'string' }, namespace: { type: 'string' } }, description: 'the target that halted it' })
  haltedTarget!: { cluster: string; namespace: string } | null;
  @ApiProperty({ type: 'integer', nullable: true }) supersedes!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) supersededBy!: number | null;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;
  @ApiProperty({ type: [WaveView], description: 'in order; the last is "rest", the targets no wave matched' }) waves!: WaveView[];
}

export function rolloutView(r: Rollout, now: number): RolloutView {
  return {
    id: r.id,
    application: r.application,
    revision: r.revision,
    state: r.state,
    trigger: r.trigger,
    actor: r.actor,
    message: r.message,
    haltedTarget: r.haltedTarget,
    supersedes: r.supersedes,
    supersededBy: r.supersededBy,
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: iso(r.finishedAt),
    waves: r.waves.map((w) => {
      const spec = waveSpec(r.spec, w.name);
      const remaining = w.state === 'Soaking' && w.soakStartedAt !== null ? Math.max(0, Math.ceil((w.soakStartedAt + spec.soakSeconds * 1000 - now) / 1000)) : null;
      return {
        name: w.name,
        state: w.state,
        maxParallel: spec.maxParallel,
        soakSeconds: spec.soakSeconds,
        approval: spec.approval,
        total: w.targets.length,
        done: w.targets.filter((t) => t.state === 'Healthy').length,
        startedAt: iso(w.startedAt),
        finishedAt: iso(w.finishedAt),
        soakStartedAt: iso(w.soakStartedAt),
        soakRemainingSeconds: remaining,
        approvedBy: w.approvedBy,
        promotedBy: w.promotedBy,
        targets: w.targets.map((t) => ({
          cluster: t.cluster,
          namespace: t.namespace,
          state: t.state,
          from: t.from,
          releasedAt: iso(t.releasedAt),
          unreachableSince: iso(t.unreachableSince),
          message: t.message,
        })),
      };
    }),
  };
}
