import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { HEALTH_STATUSES, type HealthStatus } from '../../engine';
import { RUN_PHASES, type RunChange, type RunPhase, type SyncRun } from '../sync-run.entity';
import { SYNC_STATUSES, TRIGGERS, type ResourceStatus, type SyncStatus, type Trigger } from '../target.entity';
import { ClusterSelectorDto, HelmDto, IgnoreDifferenceDto, RolloutDto, SyncPolicyDto } from './application.dto';
import { ROLLOUT_STATES, ROLLOUT_TARGET_STATES, type RolloutState, type RolloutTargetState } from '../rollout/rollout.entity';

const ACTIONS = ['created', 'configured', 'unchanged', 'pruned', 'skipped', 'failed'];

class ObjectRefView {
  @ApiProperty({ example: 'apps' }) group!: string;
  @ApiProperty({ example: 'v1' }) version!: string;
  @ApiProperty({ example: 'Deployment' }) kind!: string;
  @ApiPropertyOptional({ description: 'absent for cluster-scoped objects' }) namespace?: string;
  @ApiProperty() name!: string;
}

export class ResourceStatusView extends ObjectRefView {
  @ApiProperty({ enum: SYNC_STATUSES, enumName: 'SyncStatus' }) sync!: SyncStatus;
  @ApiProperty({ enum: HEALTH_STATUSES, enumName: 'HealthStatus' }) health!: HealthStatus;
  @ApiPropertyOptional() message?: string;
}

export class RunChangeView extends ObjectRefView {
  @ApiProperty({ enum: ACTIONS, enumName: 'ChangeAction' }) action!: RunChange['action'];
  @ApiPropertyOptional() message?: string;
}

/** any JSON value: a field's value in a diff */
const JSON_VALUE = [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object', additionalProperties: true }, { type: 'array', items: {} }];

export class FieldChangeView {
  @ApiProperty({ example: 'spec.template.spec.containers[0].image', description: 'dotted path, list indices in brackets' }) path!: string;
  @ApiPropertyOptional({ oneOf: JSON_VALUE, description: 'the value in the cluster; absent: not set there' }) live?: unknown;
  @ApiPropertyOptional({ oneOf: JSON_VALUE, description: "the value Flotilla would apply (git's, for an ignored field); absent: removed" }) desired?: unknown;
  @ApiPropertyOptional({
    type: 'boolean',
    enum: [true],
    description: 'git and the cluster differ, but a drift rule (ignoreDifferences) leaves the field alone: not applied, not drift',
  })
  ignored?: true;
}

export class DiffChangeView extends RunChangeView {
  @ApiPropertyOptional({
    type: [FieldChangeView],
    description: 'field differences desired vs live (Secret values masked); ignored ones are shown, marked, on unchanged objects too',
  })
  diff?: FieldChangeView[];
}

export class RunCountsView {
  @ApiProperty({ type: 'integer' }) created!: number;
  @ApiProperty({ type: 'integer' }) configured!: number;
  @ApiProperty({ type: 'integer' }) unchanged!: number;
  @ApiProperty({ type: 'integer' }) pruned!: number;
  @ApiProperty({ type: 'integer' }) skipped!: number;
  @ApiProperty({ type: 'integer' }) failed!: number;
}

export class SyncRunView {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty() application!: string;
  @ApiProperty() cluster!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty({ type: String, nullable: true, description: 'commit SHA' }) revision!: string | null;
  @ApiProperty({ enum: TRIGGERS, enumName: 'SyncTrigger' }) trigger!: Trigger;
  @ApiProperty({ description: 'token name, or flotilla for automation' }) actor!: string;
  @ApiProperty({ enum: RUN_PHASES, enumName: 'SyncRunPhase' }) phase!: RunPhase;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
  @ApiProperty({ type: RunCountsView, nullable: true }) counts!: RunCountsView | null;
  @ApiProperty({ type: [RunChangeView], nullable: true, description: 'kept for the newest runs of each target' }) changes!: RunChangeView[] | null;
}

export class SyncRunPageView {
  @ApiProperty({ type: [SyncRunView] }) items!: SyncRunView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class LastRunView {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty({ enum: RUN_PHASES, enumName: 'SyncRunPhase' }) phase!: RunPhase;
  @ApiProperty({ enum: TRIGGERS, enumName: 'SyncTrigger' }) trigger!: Trigger;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
}

export class CommitView {
  @ApiProperty() sha!: string;
  @ApiProperty() shortSha!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() author!: string;
}

export class TargetView {
  @ApiProperty() cluster!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty({ enum: SYNC_STATUSES, enumName: 'SyncStatus' }) sync!: SyncStatus;
  @ApiProperty({ enum: HEALTH_STATUSES, enumName: 'HealthStatus' }) health!: HealthStatus;
  @ApiProperty({ type: String, nullable: true, description: 'why it is not Synced and Healthy, in words a person can act on' }) message!: string | null;
  @ApiProperty({ type: CommitView, nullable: true, description: 'the commit applied there now' }) revision!: CommitView | null;
  @ApiProperty({ type: String, nullable: true, description: 'the SHA it should have' }) desiredRevision!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['plain', 'kustomize', 'helm'], description: 'how its path was last rendered' }) renderer!: string | null;
  @ApiProperty({ type: LastRunView, nullable: true }) lastSyncRun!: LastRunView | null;
  @ApiProperty({ description: 'left the fan-out; its objects are being pruned' }) leaving!: boolean;
  @ApiProperty({ type: 'integer', description: 'failed runs in a row' }) failures!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextReconcileAt!: Date | null;
  @ApiProperty({ type: () => TargetRolloutView, nullable: true, description: "with a rollout: the target's wave in the current rollout and where it stands there" })
  rollout!: TargetRolloutView | null;
  @ApiPropertyOptional({ type: [ResourceStatusView], description: 'GET of one application only' }) resources?: ResourceStatus[];
}

export class TargetRolloutView {
  @ApiProperty({ example: 'canary' }) wave!: string;
  @ApiProperty({ enum: ROLLOUT_TARGET_STATES, enumName: 'RolloutTargetState', description: 'Waiting: its wave has not come yet (it keeps the revision it has)' })
  state!: RolloutTargetState;
}

export class SummaryView {
  @ApiProperty({ type: 'integer' }) targets!: number;
  @ApiProperty({ type: 'integer' }) synced!: number;
  @ApiProperty({ type: 'integer' }) outOfSync!: number;
  @ApiProperty({ type: 'integer' }) unknown!: number;
  @ApiProperty({ type: 'integer' }) healthy!: number;
  @ApiProperty({ type: 'integer' }) progressing!: number;
  @ApiProperty({ type: 'integer' }) degraded!: number;
  @ApiProperty({ type: 'integer' }) missing!: number;
}

export class ApplicationStatusView {
  @ApiProperty({ type: SummaryView }) summary!: SummaryView;
  @ApiProperty({ type: [TargetView] }) targets!: TargetView[];
}

export class DestinationView {
  @ApiPropertyOptional() cluster?: string;
  @ApiPropertyOptional({ type: ClusterSelectorDto }) clusterSelector?: ClusterSelectorDto;
  @ApiProperty() namespace!: string;
}

export class HookView {
  @ApiProperty({ type: [String], example: ['PreSync', 'PostSync'] }) on!: string[];
  @ApiProperty() channel!: string;
  @ApiProperty({ enum: ['target', 'revision'] }) group!: 'target' | 'revision';
  @ApiProperty() gate!: boolean;
}

export class PinView {
  @ApiProperty() revision!: string;
  @ApiProperty({ type: 'integer', nullable: true }) syncRunId!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) at!: Date | null;
}

export class DeletionView {
  @ApiProperty() cascade!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ type: 'integer', description: 'targets not emptied yet' }) remaining!: number;
}

export class SyncWindowView {
  @ApiProperty({ enum: ['allow', 'deny'] }) kind!: 'allow' | 'deny';
  @ApiProperty({ example: '0 22 * * 1-5' }) schedule!: string;
  @ApiProperty({ type: 'integer' }) durationMinutes!: number;
  @ApiProperty({ example: 'Europe/Berlin' }) timeZone!: string;
  @ApiProperty() manualSync!: boolean;
}

export class SyncWindowStatusView {
  @ApiProperty({ description: 'automated syncs (schedule, webhook, selfHeal, rollout waves) may run now' }) allowed!: boolean;
  @ApiProperty({ description: 'a manual sync or rollback may run now' }) manualAllowed!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'allowed: when that ends (null: never); not allowed: when it next becomes allowed' }) until!:
    string | null;
  @ApiProperty({ type: String, nullable: true, description: 'why not, in words' }) reason!: string | null;
  @ApiProperty({ type: [SyncWindowView], description: 'the windows active now, the global ones (sync.windows) included' }) active!: SyncWindowView[];
}

export class RolloutSummaryView {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty() revision!: string;
  @ApiProperty({ enum: ROLLOUT_STATES, enumName: 'RolloutState' }) state!: RolloutState;
  @ApiProperty({ type: String, nullable: true, description: 'the first wave not Completed' }) wave!: string | null;
  @ApiProperty({ type: String, nullable: true }) message!: string | null;
}

export class ApplicationView {
  @ApiProperty({ example: 'guestbook' }) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty() repository!: string;
  @ApiProperty() path!: string;
  @ApiProperty({ type: String, nullable: true, description: "as set; null: the repository's branch" }) revision!: string | null;
  @ApiProperty({ type: [DestinationView] }) destinations!: DestinationView[];
  @ApiProperty({ type: SyncPolicyDto }) syncPolicy!: SyncPolicyDto;
  @ApiProperty({ type: [IgnoreDifferenceDto], description: 'its drift rules (the global sync.ignoreDifferences apply too)' }) ignoreDifferences!: IgnoreDifferenceDto[];
  @ApiProperty({ type: [HookView] }) hooks!: HookView[];
  @ApiProperty({ type: HelmDto, nullable: true }) helm!: HelmDto | null;
  @ApiProperty({ type: PinView, nullable: true, description: 'set by a rollback until a revision is set again' }) pinned!: PinView | null;
  @ApiProperty({ type: DeletionView, nullable: true }) deletion!: DeletionView | null;
  @ApiProperty({ type: RolloutDto, nullable: true, description: 'progressive rollout through waves, defaults filled; null: every target at once' }) rollout!: RolloutDto | null;
  @ApiProperty({ type: RolloutSummaryView, nullable: true, description: 'its current rollout (GET …/rollout for the waves)' }) currentRollout!: RolloutSummaryView | null;
  @ApiProperty({ type: [SyncWindowView], description: 'its own windows (the global sync.windows apply too)' }) syncWindows!: SyncWindowView[];
  @ApiProperty({ type: SyncWindowStatusView, description: 'whether sync is allowed now, and until when' }) syncWindow!: SyncWindowStatusView;
  @ApiProperty({ type: ApplicationStatusView }) status!: ApplicationStatusView;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
}

export class ApplicationPageView {
  @ApiProperty({ type: [ApplicationView] }) items!: ApplicationView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class TargetRefView {
  @ApiProperty() cluster!: string;
  @ApiProperty() namespace!: string;
}

export class SyncAcceptedView {
  @ApiProperty({ type: [TargetRefView], description: 'targets queued for a run' }) queued!: TargetRefView[];
}

export class RollbackAcceptedView extends SyncAcceptedView {
  @ApiProperty({ description: 'the SHA every target goes back to' }) revision!: string;
}

export class TargetDiffView {
  @ApiProperty() cluster!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty({ type: String, nullable: true }) revision!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'why this target could not be compared' }) error!: string | null;
  @ApiProperty({ type: [DiffChangeView] }) changes!: DiffChangeView[];
}

export class DiffView {
  @ApiProperty({ type: [TargetDiffView] }) targets!: TargetDiffView[];
}

export function syncRunView(r: SyncRun): SyncRunView {
  return {
    id: r.id,
    application: r.application,
    cluster: r.cluster,
    namespace: r.namespace,
    revision: r.revision,
    trigger: r.trigger,
    actor: r.actor,
    phase: r.phase,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    message: r.message,
    counts: r.counts,
    changes: r.changes,
  };
}
