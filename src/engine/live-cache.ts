// A watch-fed live state of one cluster (Argo CD's way): one informer per kind the cluster's
// targets manage, filtered to Flotilla's objects by label, started when a target first needs the
// kind and stopped when none does. Reads of objects it holds cost no request; anything it does not
// hold (not labelled as Flotilla's, a kind not watched yet, a cache out of sync) is read from the
// API server as before — so an object that exists but is not Flotilla's is still seen before an
// apply, and no "deleted" or prune decision is ever made from a cache that is not in sync.
import { Informer, joinApiVersion, type KubeClient, type KubeObject } from '../kube';
import type { Clock } from '../shared/clock';
import { DirectLiveState, type AppliedMemo, type LiveState } from './live';
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, refKey, TRACKING_ID_ANNOTATION, type ObjectRef } from './objects';

const SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/** A change to a managed object that someone else made: the tracking id says whose target it is. */
export interface ForeignChange {
  trackingId: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  ref: ObjectRef;
}

export interface LiveCacheOptions {
  clock: Clock;
  fieldManager?: string;
  /** a managed object changed by someone else, or deleted */
  onForeignChange?: (change: ForeignChange) => void;
  /** a managed object's status written by its controller (health may have moved) */
  onStatusChange?: (change: ForeignChange) => void;
  onRestart?: (why: 'relist' | 'reconnect') => void;
}

interface Watched {
  informer: Informer;
  users: Set<string>;
}

const gvk = (r: { group: string; version: string; kind: string }) => `${r.group}/${r.version}/${r.kind}`;

export class ClusterLiveCache implements LiveState {
  private readonly direct: DirectLiveState;
  private readonly watched = new Map<string, Watched>();
  private readonly fieldManager: string;
  /** per watched kind: what Flotilla last applied to each object (dropped with the informer) */
  private readonly applied = new Map<string, Map<string, AppliedMemo>>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: LiveCacheOptions,
  ) {
    this.direct = new DirectLiveState(client);
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const w = this.watched.get(gvk(ref));
    const cached = w?.informer.synced ? w.informer.get(ref.namespace, ref.name) : undefined;
    return cached ?? this.direct.get(ref);
  }

  remembered(ref: ObjectRef): AppliedMemo | undefined {
    return this.applied.get(gvk(ref))?.get(refKey(ref));
  }

  /** Kept only for watched kinds: without a watch there is no fresh resourceVersion to compare with. */
  remember(ref: ObjectRef, memo: AppliedMemo): void {
    const k = gvk(ref);
    if (!this.watched.has(k)) return;
    let memos = this.applied.get(k);
    if (!memos) this.applied.set(k, (memos = new Map()));
    memos.set(refKey(ref), memo);
  }

  /**
   * The kinds one user (a target) needs watched; kinds it no longer needs are released, and an
   * informer nobody needs is stopped. Waits (bounded) for new informers' first list, so the read
   * right after is served from memory.
   */
  async use(user: string, refs: readonly ObjectRef[], waitMs = 5_000): Promise<void> {
    const wanted = new Set(refs.map(gvk));
    for (const [k, w] of this.watched) {
      if (!wanted.has(k) && w.users.delete(user) && w.users.size === 0) void this.drop(k);
    }
    const starting: Promise<void>[] = [];
    for (const ref of refs) {
      const k = gvk(ref);
      let w = this.watched.get(k);
      if (!w) {
        const resource = await this.client.discovery.tryResolve(joinApiVersion(ref), ref.kind);
        if (!resource) continue; // not served (yet): reads go to the server
        if (this.watched.has(k)) {
          w = this.watched.get(k)!;
        } else {
          const informer = new Informer({
            client: this.client,
            resource,
            labelSelector: SELECTOR,
            clock: this.options.clock,
            trim: (o) => trim(o, this.fieldManager),
            onEvent: (e) => this.observe(e.type, e.object, ref),
            onRestart: this.options.onRestart,
          }).start();
          w = { informer, users: new Set() };
          this.watched.set(k, w);
          starting.push(informer.whenSynced());
        }
      }
      w.users.add(user);
    }
    if (starting.length) await Promise.race([Promise.all(starting), this.options.clock.sleep(waitMs)]);
  }

  /** Forgets a user (a target that left); informers nobody needs stop. */
  release(user: string): void {
    for (const [k, w] of this.watched) if (w.users.delete(user) && w.users.size === 0) void this.drop(k);
  }

  /** Every watched kind is listed and following its stream. */
  get synced(): boolean {
    return [...this.watched.values()].every((w) => w.informer.synced);
  }

  get objects(): number {
    return [...this.watched.values()].reduce((n, w) => n + w.informer.size, 0);
  }

  get kinds(): number {
    return this.watched.size;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.watched.keys()].map((k) => this.drop(k)));
  }

  private async drop(k: string): Promise<void> {
    const w = this.watched.get(k);
    this.watched.delete(k);
    this.applied.delete(k);
    await w?.informer.stop();
  }

  /**
   * Changes Flotilla made itself are recognised by the newest managedFields entries (timestamps
   * have a one-second resolution, so several can be newest): when all of them are Flotilla's own
   * or status updates (controllers reporting, not drift), it is ours. Everything else — a
   * `kubectl edit`, another controller writing spec, a delete — is someone else's, and a tie is
   * taken as someone else's: one check too many costs a dry run, one too few hides drift.
   */
  private observe(type: ForeignChange['type'], o: KubeObject, like: ObjectRef): void {
    const trackingId = o.metadata.annotations?.[TRACKING_ID_ANNOTATION];
    if (!trackingId) return;
    const ref = (): ObjectRef => ({
      group: like.group,
      version: like.version,
      kind: like.kind,
      ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
      name: o.metadata.name,
    });
    if (type !== 'DELETED') {
      const fields = (o.metadata.managedFields ?? []) as ManagedField[];
      const newest = fields.reduce((t, f) => (String(f.time ?? '') > t ? String(f.time ?? '') : t), '');
      const latest = fields.filter((f) => String(f.time ?? '') === newest);
      if (!latest.length || latest.every((f) => f.manager === this.fieldManager || f.subresource === 'status')) {
        // not drift; but a controller reporting may be what a target waiting for health waits for
        if (type === 'MODIFIED' && latest.some((f) => f.subresource === 'status')) this.options.onStatusChange?.({ trackingId, type, ref: ref() });
        return;
      }
    }
    this.options.onForeignChange?.({ trackingId, type, ref: ref() });
  }
}

interface ManagedField {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

/**
 * What the cache keeps: enough for diffing (the engine compares a dry run with the live object,
 * normalised, so everything the server would keep must stay — annotations included) and for
 * health. Managers' field sets shrink to names and times, except those of other managers than
 * Flotilla that write more than status: drift rules read them (which fields a manager owns, and
 * whether a field Flotilla leaves alone is someone else's). Most objects have none.
 */
function trim(o: KubeObject, fieldManager: string): KubeObject {
  const metadata = { ...o.metadata };
  if (Array.isArray(metadata.managedFields)) {
    metadata.managedFields = (metadata.managedFields as ManagedField[]).map((f) => ({
      manager: f.manager,
      operation: f.operation,
      time: f.time,
      ...(f.subresource ? { subresource: f.subresource } : {}),
      ...(f.manager !== fieldManager && f.subresource !== 'status' && f.fieldsV1 ? { fieldsV1: f.fieldsV1 } : {}),
    }));
  }
  return { ...o, metadata };
}
