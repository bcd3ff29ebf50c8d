// The engine's public shapes: what a caller passes in and what a sync returns.
import type { FieldChange } from './diff';
import type { HealthStatus } from './health';
import type { LiveState } from './live';
import type { Inventory, KubeObject, ObjectRef } from './objects';
import type { RenderedObject } from './render';

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'pruned' | 'skipped' | 'failed';

/** One object's outcome in a sync (or, with dryRun, what it would be). */
export interface ChangeSetEntry {
  ref: ObjectRef;
  action: ChangeAction;
  /** why it failed or was skipped, or what was special about it */
  message?: string;
  /** field differences desired vs live; Secret values masked */
  diff?: FieldChange[];
  source?: { file: string; line: number };
}

export interface Target {
  application: string;
  /** the target namespace */
  namespace: string;
}

export interface SyncRequest extends Target {
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
  /** false when any entry failed */
  ok: boolean;
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
}
