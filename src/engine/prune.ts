// Pruning (SPEC §3 step 7): what the previous inventory holds and this sync no longer renders is
// deleted in reverse apply order — but only when the live object still carries this target's
// tracking id. Namespaces are never pruned: deleting one deletes everything in it.
import { UnknownKindError, type KubeClient } from '../kube';
import { compareForApply } from './order';
import { apiVersionOf, describeRef, isNamespace, refKey, trackingIdOf, type KubeObject, type ObjectRef } from './objects';
import type { LiveState } from './live';
import type { ChangeSetEntry } from './types';

export interface PruneContext {
  client: KubeClient;
  live: LiveState;
  /** this target's tracking id for namespaced objects, and for cluster-scoped ones */
  trackingIds: { namespaced: string; cluster: string };
  dryRun: boolean;
}

export interface PruneOutcome {
  changes: ChangeSetEntry[];
  /** refs that stay in the inventory: not deleted, but still ours */
  kept: ObjectRef[];
}

/** Previous inventory entries not in `rendered` (nor in `retain`), as prune candidates. */
export function pruneCandidates(previous: readonly ObjectRef[], rendered: readonly ObjectRef[], retain: readonly ObjectRef[] = []): ObjectRef[] {
  const keep = new Set([...rendered, ...retain].map(refKey));
  const seen = new Set<string>();
  return previous.filter((r) => {
    const k = refKey(r);
    if (keep.has(k) || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Reverse of the apply order; a ref's scope is known from whether it has a namespace. */
export function pruneOrder(refs: readonly ObjectRef[]): ObjectRef[] {
  const asOrderable = (r: ObjectRef) => ({
    object: { apiVersion: apiVersionOf(r), kind: r.kind, metadata: { name: r.name, namespace: r.namespace } } as KubeObject,
    namespaced: r.namespace !== undefined,
  });
  return [...refs].sort((a, b) => compareForApply(asOrderable(b), asOrderable(a)));
}

export async function prune(ctx: PruneContext, candidates: readonly ObjectRef[]): Promise<PruneOutcome> {
  const changes: ChangeSetEntry[] = [];
  const kept: ObjectRef[] = [];
  for (const ref of pruneOrder(candidates)) {
    let live: KubeObject | undefined;
    try {
      live = await ctx.live.get(ref);
    } catch (e) {
      if (e instanceof UnknownKindError) continue; // its CRD is gone, and with it the object
      changes.push({ ref, action: 'failed', message: `prune: ${(e as Error).message}` });
      kept.push(ref);
      continue;
    }
    if (!live) continue; // already gone: nothing to do, and no longer in the inventory
    const ours = ref.namespace === undefined ? ctx.trackingIds.cluster : ctx.trackingIds.namespaced;
    const theirs = trackingIdOf(live);
    if (isNamespace(ref)) {
      changes.push({ ref, action: 'skipped', message: 'not pruned: namespaces are never pruned (deleting one deletes everything in it)' });
      continue;
    }
    if (theirs !== ours) {
      const why = theirs ? `it carries tracking id ${theirs}, not ${ours}` : 'it carries no Flotilla tracking id';
      changes.push({ ref, action: 'skipped', message: `not pruned: ${why}` });
      continue;
    }
    if (ctx.dryRun) {
      changes.push({ ref, action: 'pruned', message: 'would be deleted' });
      continue;
    }
    try {
      await ctx.client.delete(apiVersionOf(ref), ref.kind, ref.name, ref.namespace, { propagationPolicy: 'Background' });
      changes.push({ ref, action: 'pruned' });
    } catch (e) {
      changes.push({ ref, action: 'failed', message: `prune ${describeRef(ref)}: ${(e as Error).message}` });
      kept.push(ref);
    }
  }
  return { changes, kept };
}
