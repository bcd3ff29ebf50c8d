// Planning one object: read it live, refuse another application's object, ask the server what an
// apply would produce (dry run), and compare that with the live object. Then, if asked, apply.
import { KubeApiError, UnknownKindError, type KubeClient } from '../kube';
import { diffObjects, type FieldChange, normalize } from './diff';
import { describeRef, SYNC_OPTIONS_ANNOTATION, syncOptions, trackingIdOf, type KubeObject } from './objects';
import type { LiveState } from './live';
import type { PlacedObject } from './place';

export interface Plan {
  placed: PlacedObject;
  live?: KubeObject;
  action: 'created' | 'configured' | 'unchanged' | 'failed';
  /** unmasked; mask before it leaves the engine */
  changes: FieldChange[];
  message?: string;
  /** the live object belongs to another application (SharedResource) */
  shared?: boolean;
  /** immutable field changed and the object opted in: delete, then create */
  replace?: boolean;
  /** the object after the apply (or the dry run), for health */
  result?: KubeObject;
}

export interface PlanContext {
  client: KubeClient;
  live: LiveState;
  fieldManager: string;
  /** dry-run of an object whose namespace or CRD this very run creates cannot succeed yet */
  parentsPending: boolean;
  /** the plan is applied right after (not a dry run) */
  applying: boolean;
}

export async function planObject(ctx: PlanContext, placed: PlacedObject): Promise<Plan> {
  const ours = trackingIdOf(placed.object);
  let live: KubeObject | undefined;
  try {
    live = await ctx.live.get(placed.ref);
  } catch (e) {
    // a kind the cluster does not serve has no objects; the dry run below says why it fails
    if (!(e instanceof UnknownKindError)) return failed(placed, undefined, e);
  }
  const theirs = trackingIdOf(live);
  if (live && theirs && theirs !== ours) {
    const owner = theirs.split(':')[0];
    return {
      placed, live, action: 'failed', changes: [], shared: true,
      message: `SharedResource: ${describeRef(placed.ref)} is already managed by application "${owner}" (tracking id ${theirs}); not taken over`,
    };
  }
  // a new object in a real run: the apply itself validates it, a dry run first would only double the calls
  if (!live && ctx.applying) return { placed, action: 'created', changes: [] };
  let predicted: KubeObject;
  try {
    predicted = await ctx.client.apply(placed.object, { fieldManager: ctx.fieldManager, force: true, dryRun: true });
  } catch (e) {
    if (e instanceof KubeApiError && e.immutableField && live) {
      if (syncOptions(placed.object).has('Replace=true')) {
        return { placed, live, action: 'configured', changes: [], replace: true, message: `immutable field changed: will delete and recreate (${SYNC_OPTIONS_ANNOTATION}: Replace=true)` };
      }
      return failed(placed, live, e, `; the field is immutable — set annotation ${SYNC_OPTIONS_ANNOTATION}: Replace=true to let Flotilla delete and recreate the object`);
    }
    if (!live && ctx.parentsPending && e instanceof KubeApiError && e.status === 404) {
      return { placed, action: 'created', changes: [], message: 'would be created (its namespace or CRD is created by this sync)' };
    }
    return failed(placed, live, e);
  }
  if (!live) return { placed, action: 'created', changes: [], result: predicted };
  const changes = diffObjects(normalize(live), normalize(predicted));
  return { placed, live, action: changes.length ? 'configured' : 'unchanged', changes, result: changes.length ? predicted : live };
}

/** Writes a planned change; returns the plan with the server's object or the failure. */
export async function applyPlan(ctx: PlanContext, plan: Plan, replaceTimeoutMs: number): Promise<Plan> {
  if (plan.action !== 'created' && plan.action !== 'configured') return plan;
  const { object, ref } = plan.placed;
  try {
    if (plan.replace) {
      await ctx.client.delete(object.apiVersion, ref.kind, ref.name, ref.namespace, { propagationPolicy: 'Background' });
      await waitGone(ctx, plan, replaceTimeoutMs);
    }
    const result = await ctx.client.apply(object, { fieldManager: ctx.fieldManager, force: true });
    return { ...plan, result, message: plan.replace ? 'replaced: deleted and recreated because an immutable field changed' : plan.message };
  } catch (e) {
    return failed(plan.placed, plan.live, e);
  }
}

async function waitGone(ctx: PlanContext, plan: Plan, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await ctx.client.get(plan.placed.object.apiVersion, plan.placed.ref.kind, plan.placed.ref.name, plan.placed.ref.namespace)) {
    if (Date.now() > deadline) throw new Error(`${describeRef(plan.placed.ref)} still exists ${timeoutMs} ms after deleting it for replacement`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function failed(placed: PlacedObject, live: KubeObject | undefined, e: unknown, suffix = ''): Plan {
  return { placed, live, action: 'failed', changes: [], message: `${(e as Error).message ?? String(e)}${suffix}`, result: live };
}
