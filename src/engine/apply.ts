// Carrying out a plan (SPEC §3 steps 6–8): stage by stage, group by group, then prune, then the
// inventory and health. Between groups the run can be stopped; what was not applied is reported
// as skipped and nothing is pruned, so an interrupted run never deletes anything.
import { mapBounded } from '../shared/map-bounded';
import { waitForCrds } from './crds';
import { applyObject, entryOf, planObject, type ObjectPlan, type WriteContext } from './object-plan';
import { crdsOf, countActions, healthOfPlans, inventoryOf, objectPlans, planContext, pruneContext, type EngineContext } from './plan';
import { Stage } from './order';
import { refKey, type InventoryEntry, type ObjectRef } from './objects';
import { keepsInventoryEntry, prune } from './prune';
import type { ApplyOptions, ChangeSetEntry, StagePlan, SyncPlan, SyncResult } from './types';

export async function applySync(ctx: EngineContext, plan: SyncPlan, opts: ApplyOptions = {}): Promise<SyncResult> {
  if (plan.request.dryRun) return planView(plan);
  const { signal, onProgress } = opts;
  const write: WriteContext = { client: ctx.client, live: ctx.live, fieldManager: ctx.fieldManager, clock: ctx.clock, replaceTimeoutMs: ctx.replaceTimeoutMs };
  const done: ObjectPlan[] = [];
  let interrupted = false;
  /** `group/Kind` of custom resources whose CRD this run changed */
  const crdChanged = new Set<string>();

  for (const stage of plan.stages) {
    const total = count(stage);
    let finished = 0;
    onProgress?.({ stage: stage.name, done: 0, total });
    const applied: ObjectPlan[] = [];
    for (const group of stage.groups) {
      if (signal?.aborted) interrupted = true;
      if (interrupted) {
        applied.push(...group.map(notApplied));
        continue;
      }
      const current = crdChanged.has(kindKey(group[0])) ? await replan(ctx, group, plan.request) : group;
      applied.push(...(await mapBounded(current, ctx.concurrency, (p) => applyObject(write, p))));
      finished += group.length;
      onProgress?.({ stage: stage.name, done: finished, total });
    }
    if (stage.stage === Stage.Crds && !interrupted) await settleCrds(ctx, applied, crdChanged, signal);
    done.push(...applied);
  }

  let pruned: ChangeSetEntry[] = [];
  let kept = plan.pruneCandidates;
  if (signal?.aborted) interrupted = true;
  if (interrupted) {
    pruned = plan.prune.map((s) => (s.action === 'pruned' ? { ref: s.ref, action: 'skipped', message: 'not pruned: the sync was interrupted' } : s));
  } else if (plan.request.prune) {
    const total = plan.prune.filter((s) => s.action === 'pruned').length;
    let finished = 0;
    if (total) onProgress?.({ stage: 'Prune', done: 0, total });
    const outcome = await prune(pruneContext(ctx, plan.request), plan.prune, () => onProgress?.({ stage: 'Prune', done: ++finished, total }));
    pruned = outcome.changes;
    kept = asCandidates(plan, outcome.kept);
  }

  const changes = [...plan.failures, ...done.map(entryOf), ...pruned];
  const counts = countActions(changes);
  return {
    changes,
    counts,
    interrupted,
    ok: counts.failed === 0 && !interrupted,
    inventory: inventoryOf(done, kept, plan.request.inventory),
    health: healthOfPlans(done),
  };
}

/** The prune candidates (inventory entries, flags and all) of these refs. */
function asCandidates(plan: SyncPlan, refs: readonly ObjectRef[]): InventoryEntry[] {
  const byKey = new Map(plan.pruneCandidates.map((c) => [refKey(c), c]));
  return refs.map((r) => byKey.get(refKey(r)) ?? r);
}

/** A dry run's result: the plan's own view, nothing written. */
export function planView(plan: SyncPlan): SyncResult {
  const plans = objectPlans(plan);
  // with prune on, only what prune could not even read stays; without, every candidate does
  const kept = plan.request.prune
    ? asCandidates(
        plan,
        plan.prune.filter(keepsInventoryEntry).map((s) => s.ref),
      )
    : plan.pruneCandidates;
  return {
    changes: plan.changes,
    counts: plan.counts,
    interrupted: false,
    ok: plan.counts.failed === 0,
    inventory: inventoryOf(plans, kept, plan.request.inventory),
    health: healthOfPlans(plans),
  };
}

/**
 * After the CRD stage: wait until the CRDs are Established and served, fail the ones that are
 * not, and note which CRDs changed.
 *
 * The whole plan was read and dry-run before anything was written, while a stage used to be
 * planned only after the stages before it were applied. Only a changed CRD makes that
 * difference matter: a custom resource of it may use a field the old schema lacked (strict
 * validation failed its dry run) or lose one the old schema pruned (the dry run said
 * "unchanged"), so the objects of that kind are planned again right before they are applied.
 * Nothing else needs it: objects of a new CRD, or in a namespace this run creates, did not exist
 * when planned, and a plan for applying does not dry-run new objects — their apply validates
 * them against what is there by then. A run that changes no CRD re-plans nothing.
 */
async function settleCrds(ctx: EngineContext, applied: ObjectPlan[], crdChanged: Set<string>, signal?: AbortSignal): Promise<void> {
  const crds = crdsOf(applied);
  const late = await waitForCrds(
    ctx.client,
    crds.map((p) => p.placed.object),
    ctx.crdTimeoutMs,
    ctx.clock,
    signal,
  );
  for (const { ref, message } of late) {
    const i = applied.findIndex((p) => p.placed.ref.kind === ref.kind && p.placed.ref.name === ref.name);
    if (i >= 0) applied[i] = { ...applied[i], action: 'failed', message };
  }
  const written = crds.filter((p) => p.action === 'created' || p.action === 'configured');
  if (written.length) ctx.client.discovery.invalidate();
  for (const p of written) {
    const spec = p.placed.object.spec ?? {};
    if (p.action === 'configured' && spec.group && spec.names?.kind) crdChanged.add(`${spec.group}/${spec.names.kind}`);
  }
}

async function replan(ctx: EngineContext, group: ObjectPlan[], request: SyncPlan['request']): Promise<ObjectPlan[]> {
  return mapBounded(group, ctx.concurrency, (p) => planObject(planContext(ctx, true, false, request), p.placed));
}

/** A planned change the interrupted run did not make; what needed no write stays as planned. */
function notApplied(p: ObjectPlan): ObjectPlan {
  if (p.action !== 'created' && p.action !== 'configured') return p;
  return { ...p, action: 'skipped', message: `not applied: the sync was interrupted (it would have been ${p.action})`, result: undefined };
}

function kindKey(p: ObjectPlan | undefined): string {
  return p ? `${p.placed.ref.group}/${p.placed.ref.kind}` : '';
}

function count(stage: StagePlan): number {
  return stage.groups.reduce((n, g) => n + g.length, 0);
}
