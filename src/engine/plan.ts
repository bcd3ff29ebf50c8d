// The plan of a sync (SPEC §3 steps 3–4, and what 6–7 would do): place the objects, add the
// target namespace when it is missing, read and dry-run every object stage by stage, and decide
// what prune would do. Nothing is written: `engine.diff`, dry runs and PreSync hooks all read
// this one plan, and `apply` carries it out.
import type { KubeClient } from '../kube';
import type { Clock } from '../shared/clock';
import { mapBounded } from '../shared/map-bounded';
import { healthOf, worstHealth } from './health';
import type { LiveState } from './live';
import { clusterFailure, entryOf, planObject, type ObjectPlan, type PlanContext } from './object-plan';
import { isCrd, isNamespace, plainRef, refKey, trackingId, type Inventory, type InventoryEntry } from './objects';
import { applyGroups, Stage, stageName, stageOf, STAGES } from './order';
import { placeTarget, placeTargetNamespace, type PlacedObject } from './place';
import { planPrune, pruneCandidates, uniqueRefs, type PruneContext } from './prune';
import type { ChangeAction, ChangeSetEntry, HealthReport, StagePlan, SyncPlan, SyncRequest, Target } from './types';

/** What the engine was built with, shared by planning and applying. */
export interface EngineContext {
  client: KubeClient;
  live: LiveState;
  fieldManager: string;
  concurrency: number;
  clock: Clock;
  crdTimeoutMs: number;
  replaceTimeoutMs: number;
}

export async function planSync(ctx: EngineContext, request: SyncRequest): Promise<SyncPlan> {
  const applying = request.dryRun !== true;
  const { placed, failures } = await placeTarget(ctx.client, request.target, request.objects, ctx.concurrency, { clusterResources: request.clusterResources });
  const targetNamespace = await missingTargetNamespace(ctx, request.target, placed);
  const all = targetNamespace ? [...placed, targetNamespace] : placed;

  // Stage by stage, because a dry run of an object whose CRD or namespace an earlier stage would
  // create fails with a 404 that means "would be created" only when that stage creates it.
  const stages: StagePlan[] = [];
  let parentsPending = false;
  for (const stage of STAGES) {
    const items = all.filter((p) => stageOf(p) === stage);
    if (!items.length) continue;
    const plans = new Map<PlacedObject, ObjectPlan>();
    const planCtx = { ...planContext(ctx, applying, parentsPending, request), newNamespace: targetNamespace?.ref.name };
    const results = await mapBounded(items, ctx.concurrency, (p) => planObject(planCtx, p));
    const unreachable = clusterFailure(results);
    if (unreachable) throw unreachable;
    items.forEach((p, i) => plans.set(p, results[i]));
    const groups = applyGroups(items).map((g) => g.map((p) => plans.get(p)!));
    stages.push({ stage, name: stageName(stage), groups });
    if ((stage === Stage.Crds || stage === Stage.Namespaces) && results.some((r) => r.action === 'created')) parentsPending = true;
  }

  const candidates = pruneCandidates(
    request.inventory ?? [],
    placed.map((p) => p.ref),
    request.retain,
  );
  const prune = request.prune && candidates.length ? await planPrune(pruneContext(ctx, request), candidates) : [];
  const changes = [...failures, ...stages.flatMap((s) => s.groups.flat().map(entryOf)), ...prune];
  const counts = countActions(changes);
  return {
    request,
    stages,
    failures,
    pruneCandidates: candidates,
    prune,
    changes,
    counts,
    willChange: counts.created + counts.configured + counts.pruned > 0,
  };
}

/**
 * The target namespace, when objects go into it, it is not among them and it does not exist.
 * When it cannot be read (a token confined to its namespace may not read namespaces), it is left
 * alone: the objects' own reads and applies say whether it is usable.
 */
async function missingTargetNamespace(ctx: EngineContext, target: Target, placed: PlacedObject[]): Promise<PlacedObject | undefined> {
  if (!placed.some((p) => p.namespaced)) return undefined;
  if (placed.some((p) => isNamespace(p.ref) && p.ref.name === target.namespace)) return undefined;
  const namespace = placeTargetNamespace(target);
  try {
    return (await ctx.live.get(namespace.ref)) ? undefined : namespace;
  } catch {
    return undefined;
  }
}

export function planContext(ctx: EngineContext, applying: boolean, parentsPending = false, request: Pick<SyncRequest, 'adopt' | 'ignoreDifferences'> = {}): PlanContext {
  return { client: ctx.client, live: ctx.live, fieldManager: ctx.fieldManager, applying, parentsPending, adopt: request.adopt ?? false, ignore: request.ignoreDifferences ?? [] };
}

export function pruneContext(ctx: EngineContext, request: Pick<SyncRequest, 'target' | 'pruneAdopted'>): PruneContext {
  const { target } = request;
  return {
    client: ctx.client,
    live: ctx.live,
    concurrency: ctx.concurrency,
    pruneAdopted: request.pruneAdopted === true,
    trackingIds: { namespaced: trackingId(target.application, target.namespace), cluster: trackingId(target.application, undefined) },
  };
}

/** Every object's plan in apply order. */
export function objectPlans(plan: SyncPlan): ObjectPlan[] {
  return plan.stages.flatMap((s) => s.groups.flat());
}

/** The CRDs of a stage that did not fail: what to wait for before the next stage. */
export function crdsOf(plans: readonly ObjectPlan[]): ObjectPlan[] {
  return plans.filter((p) => p.action !== 'failed' && isCrd(p.placed.object));
}

/**
 * The inventory after a run: every object placed for the target that another application does
 * not own and that is not someone else's unadopted object (the target namespace is nobody's),
 * plus the candidates prune did not remove. Adopted objects are marked, by this run or the
 * previous inventory.
 */
export function inventoryOf(plans: readonly ObjectPlan[], kept: readonly InventoryEntry[], previous: readonly InventoryEntry[] = []): Inventory {
  const adoptedBefore = new Set(previous.filter((e) => e.adopted).map(refKey));
  const entry = (p: ObjectPlan): InventoryEntry => {
    const ref = plainRef(p.placed.ref);
    return p.adopted || adoptedBefore.has(refKey(ref)) ? { ...ref, adopted: true } : ref;
  };
  return uniqueRefs([...plans.filter(owned).map(entry), ...kept]);
}

export function healthOfPlans(plans: readonly ObjectPlan[]): HealthReport {
  return summarizeHealth(plans.filter(owned).map((p) => ({ ref: p.placed.ref, ...healthOf(p.result ?? p.live) })));
}

export function summarizeHealth(resources: HealthReport['resources']): HealthReport {
  return { status: worstHealth(resources.map((r) => r.status)), resources };
}

export function countActions(changes: readonly ChangeSetEntry[]): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = { created: 0, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}

function owned(p: ObjectPlan): boolean {
  return !p.shared && !p.notOwned && !p.placed.targetNamespace;
}
