// The engine's public shapes: what a caller passes in, the plan, and what an apply returns.
import type { Clock } from '../shared/clock';
import type { FieldChange } from './diff';
import type { HealthStatus } from './health';
import type { IgnoreRule } from './ignore-differences';
import type { LiveState } from './live';
import type { Inventory, KubeObject, ObjectRef } from './objects';
import type { ObjectPlan } from './object-plan';
import type { Stage, StageName } from './order';
import type { RenderedObject } from './render';

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'pruned' | 'skipped' | 'failed';

/** One object's outcome in a sync (or, in a plan, what it would be). */
export interface ChangeSetEntry {
  ref: ObjectRef;
  action: ChangeAction;
  /** why it failed or was skipped, or what was special about it */
  message?: string;
  /** field differences desired vs live; Secret values masked */
  diff?: FieldChange[];
  source?: { file: string; line: number };
}

/** Where an application is deployed: one cluster and one namespace of it (SPEC §1 Application). */
export interface Target {
  application: string;
  /** the registered cluster's name */
  cluster: string;
  /** the target namespace */
  namespace: string;
}

export interface SyncRequest {
  target: Target;
  /** rendered objects (with their source file and line) or plain objects */
  objects: ReadonlyArray<RenderedObject | KubeObject>;
  /** the inventory the previous sync of this target returned */
  inventory?: Inventory;
  prune?: boolean;
  /** plan only: nothing is written */
  dryRun?: boolean;
  /**
   * Never pruned even when no longer rendered here — for cluster-scoped objects that another
   * target of the same application on this cluster still renders (SPEC §3 step 3).
   */
  retain?: ReadonlyArray<ObjectRef>;
  /**
   * Adopt objects that exist without a Flotilla tracking id (or with an empty one) — applied
   * and recorded `adopted` in the inventory — instead of failing them with `NotOwned`
   * (`syncPolicy.adopt`). One object can opt in from git with annotation `flotilla.io/adopt: "true"`.
   */
  adopt?: boolean;
  /** prune adopted objects too when they are no longer rendered (`syncPolicy.pruneAdopted`) */
  pruneAdopted?: boolean;
  /**
   * Cluster-scoped kinds this application may apply (`syncPolicy.clusterResources`): `Kind` for the
   * core group, `group/Kind`, `group/*`, or `*`; default `['Namespace']`. Others fail with
   * `KindNotAllowed`. The target namespace the engine creates is not subject to it.
   */
  clusterResources?: readonly string[];
  /**
   * Drift rules (`ignoreDifferences`): fields of matching objects left alone in the diff, in drift
   * checks and when applying an existing object (see ignore-differences.ts). Objects add pointers
   * of their own with annotation `flotilla.io/ignore-differences`.
   */
  ignoreDifferences?: readonly IgnoreRule[];
}

export interface StagePlan {
  stage: Stage;
  name: StageName;
  /** groups applied one after another (same wave and kind); objects of a group concurrently */
  groups: ObjectPlan[][];
}

/** Everything a sync would do, read and dry-run but not written. */
export interface SyncPlan {
  readonly request: SyncRequest;
  /** only stages with objects, in apply order */
  readonly stages: StagePlan[];
  /** objects that could not be placed (unknown kind, bad sync wave, rendered twice) */
  readonly failures: ChangeSetEntry[];
  /** previous inventory entries no longer rendered (nor retained) */
  readonly pruneCandidates: ObjectRef[];
  /** with prune on: what prune would do to each candidate still there, in prune order */
  readonly prune: ChangeSetEntry[];
  /** the change set this plan predicts: failures, every stage's objects, prune; Secret diffs masked */
  readonly changes: ChangeSetEntry[];
  readonly counts: Record<ChangeAction, number>;
  /** whether applying it would create, configure or delete anything */
  readonly willChange: boolean;
}

export interface SyncProgress {
  stage: StageName | 'Prune';
  /** objects of this stage finished so far */
  done: number;
  total: number;
}

export interface ApplyOptions {
  /** checked between groups: once aborted, nothing more is written and nothing is pruned */
  signal?: AbortSignal;
  /** at the start of each stage and after each of its groups */
  onProgress?: (progress: SyncProgress) => void;
}

export interface ResourceHealth {
  ref: ObjectRef;
  status: HealthStatus;
  message?: string;
}

export interface HealthReport {
  /** the least healthy resource's status; Healthy when there are none */
  status: HealthStatus;
  resources: ResourceHealth[];
}

export interface SyncResult {
  changes: ChangeSetEntry[];
  /** what this target owns now; store it and pass it to the next sync */
  inventory: Inventory;
  health: HealthReport;
  /** false when any entry failed or the run was interrupted */
  ok: boolean;
  /** the signal aborted the run: what was not applied is `skipped`, and nothing was pruned */
  interrupted: boolean;
  counts: Record<ChangeAction, number>;
}

export interface DriftEntry {
  ref: ObjectRef;
  /** changed: fields Flotilla manages differ from git; deleted: the object is gone */
  state: 'changed' | 'deleted';
  diff?: FieldChange[];
  /** field managers other than Flotilla's that have written to the object */
  managers?: string[];
  message: string;
}

/** A target as it is live: what drifted from git, and how healthy its inventory is. */
export interface TargetCheck {
  drift: DriftEntry[];
  health: HealthReport;
}

export interface EngineOptions {
  /** reads and dry-runs (and applies within one group) in flight at once; default 8 */
  concurrency?: number;
  /** default `flotilla` */
  fieldManager?: string;
  /** where live objects are read; default direct reads through the client */
  live?: LiveState;
  /** how long to wait for a CRD to become Established; default 30 s */
  crdTimeoutMs?: number;
  /** how long to wait for a replaced object to disappear; default 60 s */
  replaceTimeoutMs?: number;
  /** every wait of the engine sleeps on it; default the system clock */
  clock?: Clock;
}
