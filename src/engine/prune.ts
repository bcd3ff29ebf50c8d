// Pruning (SPEC §3 step 7): what the previous inventory holds and this sync no longer renders is
// deleted in reverse apply order — but only when the live object still carries this target's
// tracking id. Namespaces are never pruned: deleting one deletes everything in it. Objects
// Flotilla adopted (they existed before it managed them) are left in place, and in the
// inventory, unless the application prunes adopted objects too.
import { joinApiVersion, UnknownKindError, type KubeClient } from '../kube';
import { mapBounded } from '../shared/map-bounded';
import { compareForApply } from './order';
import { describeRef, isAdopted, isNamespace, plainRef, refKey, trackingIdOf, type InventoryEntry, type KubeObject, type ObjectRef } from './objects';
import type { LiveState } from './live';
import type { ChangeSetEntry } from './types';

export interface PruneContext {
  client: KubeClient;
  live: LiveState;
  /** this target's tracking id for namespaced objects, and for cluster-scoped ones */
  trackingIds: { namespaced: string; cluster: string };
  concurrency: number;
  /** prune adopted objects too (`syncPolicy.pruneAdopted`) */
  pruneAdopted?: boolean;
}

export interface PruneOutcome {
  changes: ChangeSetEntry[];
  /** refs that stay in the inventory: not deleted, but still ours */
  kept: ObjectRef[];
}

/** Previous inventory entries not in `rendered` (nor in `retain`), as prune candidates. */
export function pruneCandidates(previous: readonly InventoryEntry[], rendered: readonly ObjectRef[], retain: readonly ObjectRef[] = []): InventoryEntry[] {
  const keep = new Set([...rendered, ...retain].map(refKey));
  return uniqueRefs(previous.filter((r) => !keep.has(refKey(r))));
}

/** The first ref of each object (whatever version it was recorded at), in their order. */
export function uniqueRefs<T extends ObjectRef>(refs: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const r of refs) if (!seen.has(refKey(r))) seen.set(refKey(r), r);
  return [...seen.values()];
}

/** Reverse of the apply order; a ref's scope is known from whether it has a namespace. */
export function pruneOrder<T extends ObjectRef>(refs: readonly T[]): T[] {
  const asOrderable = (r: ObjectRef) => ({
    object: { apiVersion: joinApiVersion(r), kind: r.kind, metadata: { name: r.name, namespace: r.namespace } } as KubeObject,
    namespaced: r.namespace !== undefined,
  });
  return [...refs].sort((a, b) => compareForApply(asOrderable(b), asOrderable(a)));
}

/**
 * What prune would do to each candidate, in prune order: `pruned` (would be deleted), `skipped`
 * (not ours) or `failed` (could not be read). Candidates already gone are left out. Reads only.
 */
export async function planPrune(ctx: PruneContext, candidates: readonly InventoryEntry[]): Promise<ChangeSetEntry[]> {
  const steps = await mapBounded(pruneOrder(candidates), ctx.concurrency, (ref) => decide(ctx, ref));
  return steps.filter((s): s is ChangeSetEntry => s !== undefined);
}

/** Deletes what the plan would prune, one after another in its order. */
export async function prune(ctx: PruneContext, planned: readonly ChangeSetEntry[], onDone?: () => void): Promise<PruneOutcome> {
  const changes: ChangeSetEntry[] = [];
  const kept: ObjectRef[] = [];
  for (const step of planned) {
    // The plan may be old by now (the apply before, a PreSync gate waiting on it): ownership is
    // read again right before the delete, as it was before plans existed, so that an object
    // someone took over meanwhile is never deleted.
    const now = step.action === 'pruned' ? await decide(ctx, step.ref) : step;
    if (now?.action === 'pruned') {
      try {
        await ctx.client.delete(joinApiVersion(step.ref), step.ref.kind, step.ref.name, step.ref.namespace, { propagationPolicy: 'Background' });
        changes.push({ ref: step.ref, action: 'pruned' });
      } catch (e) {
        changes.push({ ref: step.ref, action: 'failed', message: `prune ${describeRef(step.ref)}: ${(e as Error).message}` });
        kept.push(step.ref);
      }
    } else if (now) {
      changes.push(now);
      if (keepsInventoryEntry(now)) kept.push(step.ref);
    }
    if (step.action === 'pruned') onDone?.();
  }
  return { changes, kept };
}

/** Prune steps that keep their object in the inventory though they skip it: adopted objects left in place. */
const retained = new WeakSet<ChangeSetEntry>();

/** Whether a prune step leaves its object in the inventory (failed, or an adopted object left alone). */
export function keepsInventoryEntry(step: ChangeSetEntry): boolean {
  return step.action === 'failed' || retained.has(step);
}

async function decide(ctx: PruneContext, entry: InventoryEntry): Promise<ChangeSetEntry | undefined> {
  const ref = plainRef(entry);
  let live: KubeObject | undefined;
  try {
    live = await ctx.live.get(ref);
  } catch (e) {
    if (e instanceof UnknownKindError) return undefined; // its CRD is gone, and with it the object
    return { ref, action: 'failed', message: `prune: ${(e as Error).message}` };
  }
  if (!live) return undefined; // already gone: nothing to do, and no longer in the inventory
  if (isNamespace(ref)) return { ref, action: 'skipped', message: 'not pruned: namespaces are never pruned (deleting one deletes everything in it)' };
  const ours = ref.namespace === undefined ? ctx.trackingIds.cluster : ctx.trackingIds.namespaced;
  const theirs = trackingIdOf(live);
  if (theirs !== ours) {
    const why = theirs ? `it carries tracking id ${theirs}, not ${ours}` : 'it carries no Flotilla tracking id';
    return { ref, action: 'skipped', message: `not pruned: ${why}` };
  }
  if ((entry.adopted || isAdopted(live)) && !ctx.pruneAdopted) {
    const step: ChangeSetEntry = {
      ref,
      action: 'skipped',
      message: 'not pruned: Flotilla adopted it (it existed before Flotilla managed it); syncPolicy.pruneAdopted lets prune delete adopted objects',
    };
    retained.add(step);
    return step;
  }
  return { ref, action: 'pruned', message: 'would be deleted' };
}
