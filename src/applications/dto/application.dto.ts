import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, Equals, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { LabelMap, LABELS_SCHEMA } from '../../common/dto/validators';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../../common/validation';
import { HOOK_EVENTS, type HookEvent } from '../../channels/delivery.entity';
import { ON_DRIFT, SYNC_MODES, type OnDrift, type SyncMode } from '../application.entity';

const TEMPLATE_NOTE = 'may use {{cluster.name}} and {{cluster.labels.KEY}}';
const REVISION = /^[A-Za-z0-9_][A-Za-z0-9._/+-]*$/;

export class SelectorExpressionDto {
  @ApiProperty({ type: 'string', maxLength: 317 })
  @IsString()
  @MaxLength(317)
  key!: string;

  @ApiProperty({ enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] })
  @IsIn(['In', 'NotIn', 'Exists', 'DoesNotExist'], { message: 'operator must be In, NotIn, Exists or DoesNotExist' })
  operator!: string;

  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: 63 }, maxItems: 64 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  values?: string[];
}

export class ClusterSelectorDto {
  @ApiPropertyOptional({ ...LABELS_SCHEMA, example: { env: 'staging' } })
  @IsOptional()
  @IsObject()
  @LabelMap()
  matchLabels?: Record<string, string>;

  @ApiPropertyOptional({ type: [SelectorExpressionDto], maxItems: 64 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => SelectorExpressionDto)
  matchExpressions?: SelectorExpressionDto[];
}

export class DestinationDto {
  @ApiPropertyOptional({ type: 'string', description: 'a registered cluster; give this or clusterSelector', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  cluster?: string;

  @ApiPropertyOptional({ type: ClusterSelectorDto, description: 'every registered cluster whose labels match; an empty selector matches all' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ClusterSelectorDto)
  clusterSelector?: ClusterSelectorDto;

  @ApiProperty({ type: 'string', maxLength: 253, example: 'team-{{cluster.name}}', description: `the target namespace; ${TEMPLATE_NOTE}` })
  @IsString()
  @MaxLength(253)
  namespace!: string;
}

export class SyncPolicyDto {
  @ApiPropertyOptional({ type: 'boolean', default: true, description: 'sync new revisions on its own; off: only POST /sync applies' })
  @IsOptional()
  @IsBoolean()
  automated?: boolean;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'delete objects removed from git, and the objects of targets that leave the fan-out' })
  @IsOptional()
  @IsBoolean()
  prune?: boolean;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'put back objects changed or deleted in the cluster' })
  @IsOptional()
  @IsBoolean()
  selfHeal?: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 86400, description: 'default sync.defaultIntervalSeconds; at least sync.minIntervalSeconds' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  intervalSeconds?: number;

  @ApiPropertyOptional({
    type: 'boolean',
    default: false,
    description:
      'apply objects that already exist without a Flotilla tracking id, recording them as adopted (one object can opt in from git with annotation flotilla.io/adopt: "true"); otherwise they fail NotOwned',
  })
  @IsOptional()
  @IsBoolean()
  adopt?: boolean;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'prune adopted objects too when they leave git' })
  @IsOptional()
  @IsBoolean()
  pruneAdopted?: boolean;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 300 },
    maxItems: 256,
    default: ['Namespace'],
    description: 'cluster-scoped kinds it may apply: "Kind" (core group), "group/Kind", "group/*", or "*" for all; others fail KindNotAllowed',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(300, { each: true })
  clusterResources?: string[];

  @ApiPropertyOptional({
    enum: SYNC_MODES,
    default: 'apply',
    description:
      'apply: sync as usual; reportOnly: plan and diff as usual but never write — status shows what would change, hooks say "would change", manual syncs answer 409 (dryRun still works)',
  })
  @IsOptional()
  @IsIn([...SYNC_MODES], { message: 'syncPolicy.mode must be apply or reportOnly' })
  mode?: SyncMode;

  @ApiPropertyOptional({
    enum: ON_DRIFT,
    description:
      'drift on fields no rule ignores: heal (= selfHeal true), report (= selfHeal false; OutOfSync), stopApplying (report, and apply no new revision to that target until someone syncs it by hand); default from selfHeal',
  })
  @IsOptional()
  @IsIn([...ON_DRIFT], { message: 'syncPolicy.onDrift must be heal, report or stopApplying' })
  onDrift?: OnDrift;
}

export class IgnoreDifferenceDto {
  @ApiPropertyOptional({ type: 'string', maxLength: 253, example: 'apps', description: 'API group ("" is the core group); absent: any group; "*" globs' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  group?: string;

  @ApiProperty({ type: 'string', maxLength: 253, example: 'Deployment', description: 'kind; "*" globs' })
  @IsString()
  @MaxLength(253)
  kind!: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 253, description: 'object name; absent: every object of the kind; "*" globs' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  name?: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 253, description: 'namespace; absent: any (and cluster-scoped objects); "*" globs' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  namespace?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 1024 },
    maxItems: 64,
    example: ['/spec/replicas'],
    description: 'fields by JSON pointer (RFC 6901: "~1" for "/" in a key)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  jsonPointers?: string[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 128 },
    maxItems: 64,
    example: ['kube-controller-manager', 'hpa-*'],
    description: 'every field these field managers own in managedFields ("*" globs)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  managedFieldsManagers?: string[];
}

export class HookDto {
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...HOOK_EVENTS] }, maxItems: HOOK_EVENTS.length, example: ['PreSync', 'PostSync', 'SyncFailed'] })
  @IsArray()
  @ArrayMaxSize(HOOK_EVENTS.length)
  @IsIn([...HOOK_EVENTS], { each: true, message: `on: each event must be one of ${HOOK_EVENTS.join(', ')}` })
  on!: HookEvent[];

  @ApiProperty({ type: 'string', description: 'a channel', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  channel!: string;

  @ApiPropertyOptional({ enum: ['target', 'revision'], default: 'target', description: 'target: one message per target run; revision: one per application and revision' })
  @IsOptional()
  @IsIn(['target', 'revision'], { message: 'group must be target or revision' })
  group?: 'target' | 'revision';

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'PreSync on a webhook channel only: the run applies only after a 2xx answer' })
  @IsOptional()
  @IsBoolean()
  gate?: boolean;
}

export class HelmDto {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 1024 },
    maxItems: 32,
    description: 'inside the chart directory, applied after its values.yaml, in order',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  valueFiles?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { region: '{{cluster.labels.region}}' },
    description: 'inline values, applied last; string values may use {{cluster.name}} and {{cluster.labels.KEY}}',
  })
  @IsOptional()
  @IsObject()
  values?: Record<string, unknown>;
}

export class WaveDto {
  @ApiProperty({ type: 'string', example: 'canary', pattern: DNS_LABEL.source, maxLength: 63, description: 'unique in the rollout; "rest" is the implicit last wave' })
  @IsString()
  @MaxLength(63)
  name!: string;

  @ApiPropertyOptional({ type: ClusterSelectorDto, description: 'the clusters of this wave by label; give this or clusters' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ClusterSelectorDto)
  clusterSelector?: ClusterSelectorDto;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: 63, pattern: DNS_LABEL.source },
    maxItems: 1000,
    description: 'the clusters of this wave by name; give this or clusterSelector',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  @Matches(DNS_LABEL, { each: true, message: 'clusters: each must be a cluster name (DNS-1123 label)' })
  clusters?: string[];

  @ApiPropertyOptional({
    oneOf: [
      { type: 'integer', minimum: 1 },
      { type: 'string', pattern: '^([1-9][0-9]?|100)%$' },
    ],
    nullable: true,
    example: '25%',
    description: 'targets of the wave synced and not yet Healthy at once: a count or a percentage of the wave; absent or null: all',
  })
  @IsOptional()
  maxParallel?: number | string | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 604800, default: 0, description: 'every target Healthy this long before the next wave starts' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(604800)
  soakSeconds?: number;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'wait for POST …/rollout/approve before the wave starts' })
  @IsOptional()
  @IsBoolean()
  approval?: boolean;
}

export class RolloutDto {
  @ApiProperty({ type: [WaveDto], maxItems: 50, description: 'in order; targets matching no wave form a last wave "rest"; a target matched by two waves belongs to the first' })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => WaveDto)
  waves!: WaveDto[];

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    example: 'cluster.labels.region',
    maxLength: 330,
    description: 'order inside a wave by that cluster label, then by cluster name',
  })
  @IsOptional()
  @IsString()
  @MaxLength(330)
  orderBy?: string | null;

  @ApiPropertyOptional({ enum: ['halt', 'rollback'], default: 'halt', description: 'a failed run or Degraded health in a wave: stop, or put every moved target back wave by wave' })
  @IsOptional()
  @IsIn(['halt', 'rollback'], { message: 'onFailure must be halt or rollback' })
  onFailure?: 'halt' | 'rollback';

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 86400,
    default: 600,
    description: 'how long a target of the current wave may be unreachable before `unreachable` applies',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  unreachableSeconds?: number;

  @ApiPropertyOptional({
    enum: ['halt', 'skip'],
    default: 'halt',
    description: 'a target unreachable for unreachableSeconds: halt the rollout, or go on without it (it syncs when it is back)',
  })
  @IsOptional()
  @IsIn(['halt', 'skip'], { message: 'unreachable must be halt or skip' })
  unreachable?: 'halt' | 'skip';
}

export class SyncWindowDto {
  @ApiProperty({ enum: ['allow', 'deny'] })
  @IsIn(['allow', 'deny'], { message: 'kind must be allow or deny' })
  kind!: 'allow' | 'deny';

  @ApiProperty({ type: 'string', example: '0 22 * * 1-5', maxLength: 128, description: 'cron: when the window opens, in timeZone' })
  @IsString()
  @MaxLength(128)
  schedule!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10080, example: 120, description: 'how long it stays open (elapsed minutes)' })
  @IsInt()
  @Min(1)
  @Max(10080)
  durationMinutes!: number;

  @ApiPropertyOptional({ type: 'string', default: 'UTC', example: 'Europe/Berlin', maxLength: 64, description: 'an IANA time zone' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timeZone?: string;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'manual syncs may run while this window blocks automated ones' })
  @IsOptional()
  @IsBoolean()
  manualSync?: boolean;
}

class ApplicationFieldsDto {
  @ApiPropertyOptional({ ...LABELS_SCHEMA, example: { team: 'web' } })
  @IsOptional()
  @IsObject()
  @LabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: 255, pattern: REVISION.source, description: "branch, tag or SHA; absent or null: the repository's branch" })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(REVISION, { message: 'revision must be a branch, tag or commit SHA' })
  revision?: string | null;

  @ApiPropertyOptional({ type: SyncPolicyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SyncPolicyDto)
  syncPolicy?: SyncPolicyDto;

  @ApiPropertyOptional({
    type: [IgnoreDifferenceDto],
    maxItems: 100,
    description:
      'drift rules: fields of matching objects left alone in the diff, in drift detection and when applying an existing object (the global sync.ignoreDifferences apply too); objects add pointers with annotation flotilla.io/ignore-differences',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => IgnoreDifferenceDto)
  ignoreDifferences?: IgnoreDifferenceDto[];

  @ApiPropertyOptional({ type: HelmDto, nullable: true, description: 'for a path with Chart.yaml; null removes it' })
  @IsOptional()
  @ValidateNested()
  @Type(() => HelmDto)
  helm?: HelmDto | null;

  @ApiPropertyOptional({ type: [HookDto], maxItems: 32 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => HookDto)
  hooks?: HookDto[];

  @ApiPropertyOptional({ type: RolloutDto, nullable: true, description: 'progressive rollout through waves; absent: every target at once; null removes it' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutDto)
  rollout?: RolloutDto | null;

  @ApiPropertyOptional({ type: [SyncWindowDto], maxItems: 32, description: 'when automated syncs may run; the global sync.windows apply too' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => SyncWindowDto)
  syncWindows?: SyncWindowDto[];
}

export class CreateApplicationDto extends ApplicationFieldsDto {
  @ApiProperty({ type: 'string', example: 'guestbook', description: 'DNS-1123 label', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;

  @ApiProperty({ type: 'string', description: 'a registered repository', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  repository!: string;

  @ApiProperty({ type: 'string', maxLength: 1024, example: 'apps/guestbook', description: `a directory of the repository; ${TEMPLATE_NOTE}` })
  @IsString()
  @MaxLength(1024)
  path!: string;

  @ApiProperty({ type: [DestinationDto], maxItems: 1000, description: 'an empty list is a valid, empty fan-out' })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => DestinationDto)
  destinations!: DestinationDto[];
}

export class UpdateApplicationDto extends ApplicationFieldsDto {
  @ApiPropertyOptional({ type: 'string', description: 'a registered repository', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  repository?: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 1024, example: 'apps/guestbook', description: `a directory of the repository; ${TEMPLATE_NOTE}` })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  path?: string;

  @ApiPropertyOptional({ type: [DestinationDto], maxItems: 1000 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => DestinationDto)
  destinations?: DestinationDto[];

  @IsOptional()
  @Equals(undefined, { message: 'name cannot be changed; create a new application instead' })
  name?: string;
}

export class TargetRefDto {
  @ApiProperty({ type: 'string', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsString()
  @MaxLength(63)
  cluster!: string;

  @ApiProperty({ type: 'string', maxLength: 253 })
  @IsString()
  @MaxLength(253)
  namespace!: string;
}

export class SyncRequestDto {
  @ApiPropertyOptional({ type: [TargetRefDto], maxItems: 10000, description: 'default: every target' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10000)
  @ValidateNested({ each: true })
  @Type(() => TargetRefDto)
  targets?: TargetRefDto[];

  @ApiPropertyOptional({ type: 'string', maxLength: 255, pattern: REVISION.source, description: "this run only; the next automated sync returns to the application's revision" })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(REVISION, { message: 'revision must be a branch, tag or commit SHA' })
  revision?: string;

  @ApiPropertyOptional({ type: 'boolean', description: "this run only; default the application's syncPolicy.prune" })
  @IsOptional()
  @IsBoolean()
  prune?: boolean;

  @ApiPropertyOptional({ type: 'boolean', default: false, description: 'answer what a sync would do, per target; nothing is written' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class RollbackRequestDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'a run of this application, from /history' })
  @IsInt()
  @Min(1)
  syncRunId!: number;
}

export class ListApplicationsQuery {
  @ApiPropertyOptional({ type: 'string', example: 'team=web', maxLength: 4096, description: "label selector over the applications' labels" })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  selector?: string;

  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ type: 'string', maxLength: 63, description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: 'cursor must be a value returned as nextCursor' })
  cursor?: string;
}

export class HistoryQuery {
  @ApiPropertyOptional({ type: 'string', maxLength: 63 }) @IsOptional() @IsString() @MaxLength(63) cluster?: string;
  @ApiPropertyOptional({ type: 'string', maxLength: 253 }) @IsOptional() @IsString() @MaxLength(253) namespace?: string;

  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ type: 'string', description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,15}$/, { message: 'cursor must be a value returned as nextCursor' })
  cursor?: string;
}

export class DiffQuery {
  @ApiPropertyOptional({ type: 'string', maxLength: 255, pattern: REVISION.source, description: 'default: the revision the application would sync now' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(REVISION, { message: 'revision must be a branch, tag or commit SHA' })
  revision?: string;
}

export class DeleteApplicationQuery {
  @ApiPropertyOptional({ type: 'string', enum: ['true', 'false'], description: 'true: delete what the application deployed on every target first' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'cascade must be true or false' })
  cascade?: 'true' | 'false';
}
