// Pruning (SPEC §3 step 7): what the previous inventory holds and this sync no longer renders is
// deleted in reverse apply order — but only when the live object still carries this target's
// tracking id. Namespaces are never pruned: deleting one deletes everything in it.
import { joinApiVersion, UnknownKindError, type KubeClient } from '../kube';
import { mapBounded } from '../shared/map-bounded';
import { compareForApply } from './order';
import { describeRef, isNamespace, refKey, trackingIdOf, type KubeObject, type ObjectRef } from './objects';
import type { LiveState } from './live';
import type { ChangeSetEntry } from './types';

export interface PruneContext {
  client: KubeClient;
  live: LiveState;
  /** this target's tracking id for namespaced objects, and for cluster-scoped ones */
  trackingIds: { namespaced: string; cluster: string };
  concurrency: number;
}

export interface PruneOutcome {
  changes: ChangeSetEntry[];
  /** refs that stay in the inventory: not deleted, but still ours */
  kept: ObjectRef[];
}

/** Previous inventory entries not in `rendered` (nor in `retain`), as prune candidates. */
export function pruneCandidates(previous: readonly ObjectRef[], rendered: readonly ObjectRef[], retain: readonly ObjectRef[] = []): ObjectRef[] {
  const keep = new Set([...rendered, ...retain].map(refKey));
  return uniqueRefs(previous.filter((r) => !keep.has(refKey(r))));
}

/** The first ref of each object (whatever version it was recorded at), in their order. */
export function uniqueRefs(refs: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const r of refs) if (!seen.has(refKey(r))) seen.set(refKey(r), r);
  return [...seen.values()];
}

/** Reverse of the apply order; a ref's scope is known from whether it has a namespace. */
export function pruneOrder(refs: readonly ObjectRef[]): ObjectRef[] {
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
export async function planPrune(ctx: PruneContext, candidates: readonly ObjectRef[]): Promise<ChangeSetEntry[]> {
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
      if (now.action === 'failed') kept.push(step.ref);
    }
    if (step.action === 'pruned') onDone?.();
  }
  return { changes, kept };
}

async function decide(ctx: PruneContext, ref: ObjectRef): Promise<ChangeSetEntry | undefined> {
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
  return { ref, action: 'pruned', message: 'would be deleted' };
}
