// One object's plan: read it live, refuse another application's object and an object nobody
// handed to Flotilla (unless it is adopted), ask the server what an apply would produce (dry
// run), and compare that with the live object. Applying the plan writes it.
import { createHash } from 'node:crypto';
import { isClusterLevel, KubeApiError, UnknownKindError, type KubeClient } from '../kube';
import type { Clock } from '../shared/clock';
import { diffObjects, maskSecretChanges, normalize, type FieldChange } from './diff';
import { ADOPT_ANNOTATION, ADOPTED_ANNOTATION, describeRef, isAdopted, SYNC_OPTIONS_ANNOTATION, syncOptions, trackingIdOf, type KubeObject } from './objects';
import { ignoredChanges, ignoredFields, ignoredPaths, underAny, withoutIgnored, type IgnoreRule } from './ignore-differences';
import type { LiveState } from './live';
import type { PlacedObject } from './place';
import type { ChangeSetEntry } from './types';
import { poll } from './wait';

export interface ObjectPlan {
  placed: PlacedObject;
  live?: KubeObject;
  /** skipped: a planned change an interrupted run did not make */
  action: 'created' | 'configured' | 'unchanged' | 'failed' | 'skipped';
  /** what applying would change; unmasked, mask before it leaves the engine */
  changes: FieldChange[];
  /** where git and the cluster differ on fields a drift rule leaves alone (never applied, not drift) */
  ignored?: FieldChange[];
  /** what to apply when it is not git's object as placed: an existing object without its ignored fields */
  object?: KubeObject;
  message?: string;
  /** the live object belongs to another application (SharedResource) */
  shared?: boolean;
  /** the live object exists without a tracking id and was not adopted (NotOwned) */
  notOwned?: boolean;
  /** the object existed before Flotilla managed it: adopted by this run or an earlier one */
  adopted?: boolean;
  /** immutable field changed and the object opted in: delete, then create */
  replace?: boolean;
  /** the object after the apply (or the dry run), for health */
  result?: KubeObject;
  /** why it failed, when an error said so */
  error?: unknown;
}

export interface PlanContext {
  client: KubeClient;
  live: LiveState;
  fieldManager: string;
  /** dry-run of an object whose namespace or CRD this very run creates cannot succeed yet */
  parentsPending: boolean;
  /** the plan is for applying (not a dry run): a new object is not dry-run first */
  applying: boolean;
  /** the target namespace when this run creates it */
  newNamespace?: string;
  /** adopt objects that exist without a tracking id (`syncPolicy.adopt`) */
  adopt?: boolean;
  /** drift rules: fields left alone (ignore-differences.ts) */
  ignore?: readonly IgnoreRule[];
}

const WOULD_BE_CREATED = 'would be created (its namespace or CRD is created by this sync)';

/**
 * When the cluster itself could not be asked about an object (unreachable, TLS, credentials),
 * no plan or check of the target means anything: that error, to be thrown instead.
 */
export function clusterFailure(plans: readonly ObjectPlan[]): Error | undefined {
  // isClusterLevel holds only for Errors: the instanceof check only narrows the type
  for (const p of plans) if (p.action === 'failed' && p.error instanceof Error && isClusterLevel(p.error)) return p.error;
  return undefined;
}

export async function planObject(ctx: PlanContext, placed: PlacedObject): Promise<ObjectPlan> {
  if (placed.targetNamespace) {
    // only placed when it does not exist (see planSync); the apply validates it
    return { placed, action: 'created', changes: [], message: 'target namespace would be created' };
  }
  if (placed.ref.namespace !== undefined && placed.ref.namespace === ctx.newNamespace) {
    // nothing exists in a namespace that does not: no read, and no dry run that could only 404
    return { placed, action: 'created', changes: [], message: ctx.applying ? undefined : WOULD_BE_CREATED };
  }
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
      placed,
      live,
      action: 'failed',
      changes: [],
      shared: true,
      message: `SharedResource: ${describeRef(placed.ref)} is already managed by application "${owner}" (tracking id ${theirs}); not taken over`,
    };
  }
  // An object nobody handed to Flotilla — a system ClusterRoleBinding, kube-system, something
  // made with kubectl — is never taken over by a forced apply (and later deleted by prune)
  // unless adopting it was chosen explicitly, for the application or for this object in git.
  let adoptedBy: string | undefined;
  if (live && !theirs) {
    const annotated = placed.object.metadata.annotations?.[ADOPT_ANNOTATION] === 'true';
    if (!ctx.adopt && !annotated) {
      return {
        placed,
        live,
        action: 'failed',
        changes: [],
        notOwned: true,
        message: `NotOwned: ${describeRef(placed.ref)} exists and is not managed by Flotilla; set syncPolicy.adopt or annotate it ${ADOPT_ANNOTATION}: "true" in git`,
      };
    }
    adoptedBy = annotated ? `annotation ${ADOPT_ANNOTATION}` : 'syncPolicy.adopt';
  }
  if (adoptedBy || isAdopted(live)) {
    // kept on every apply: the mark is what tells prune, on any target, that it was adopted
    placed.object.metadata.annotations = { ...(placed.object.metadata.annotations ?? {}), [ADOPTED_ANNOTATION]: 'true' };
    const plan = await planChange(ctx, placed, live);
    if (plan.action === 'failed') return plan;
    return { ...plan, adopted: true, message: plan.message ?? (adoptedBy ? `adopted: it existed without a Flotilla tracking id (${adoptedBy})` : undefined) };
  }
  return planChange(ctx, placed, live);
}

/** The plan of an object Flotilla may write: unchanged, created or configured, by a dry run. */
async function planChange(ctx: PlanContext, placed: PlacedObject, live: KubeObject | undefined): Promise<ObjectPlan> {
  // drift rules: an existing object is applied (and dry-run) without the fields they leave alone
  let fields;
  try {
    fields = ignoredFields(ctx.ignore ?? [], placed.object, placed.ref, live, ctx.fieldManager);
  } catch (e) {
    return failed(placed, live, e);
  }
  const leftAlone =
    live && fields.length
      ? { object: withoutIgnored(placed.object, live, fields, ctx.fieldManager), ignored: ignoredChanges(placed.object, live, fields), paths: ignoredPaths(live, fields) }
      : undefined;
  const object = leftAlone?.object ?? placed.object;
  const extra = leftAlone ? { object, ...(leftAlone.ignored.length ? { ignored: leftAlone.ignored } : {}) } : {};
  // applied by Flotilla exactly like this, and not changed since: unchanged, without a dry run
  const content = ctx.live.remembered ? contentId(object) : '';
  const memo = live ? ctx.live.remembered?.(placed.ref) : undefined;
  if (live && memo && memo.desired === content && memo.resourceVersion === live.metadata.resourceVersion)
    return { placed, live, action: 'unchanged', changes: [], result: live, ...extra };
  // a new object in a real run: the apply itself validates it, a dry run first would only double the calls
  if (!live && ctx.applying) return { placed, action: 'created', changes: [] };
  let predicted: KubeObject;
  try {
    predicted = await ctx.client.apply(object, { fieldManager: ctx.fieldManager, force: true, dryRun: true });
  } catch (e) {
    if (e instanceof KubeApiError && e.immutableField && live) {
      if (syncOptions(placed.object).has('Replace=true')) {
        return {
          placed,
          live,
          action: 'configured',
          changes: [],
          replace: true,
          message: `immutable field changed: will delete and recreate (${SYNC_OPTIONS_ANNOTATION}: Replace=true)`,
        };
      }
      return failed(placed, live, e, `; the field is immutable — set annotation ${SYNC_OPTIONS_ANNOTATION}: Replace=true to let Flotilla delete and recreate the object`);
    }
    if (!live && ctx.parentsPending && e instanceof KubeApiError && e.status === 404) {
      return { placed, action: 'created', changes: [], message: WOULD_BE_CREATED };
    }
    return failed(placed, live, e);
  }
  if (!live) return { placed, action: 'created', changes: [], result: predicted };
  const diff = diffObjects(normalize(live), normalize(predicted));
  // what the server would still change under an ignored field (a list item found at another index) is left alone too
  const changes = leftAlone ? diff.filter((c) => !underAny(c.path, leftAlone.paths)) : diff;
  if (!changes.length && live.metadata.resourceVersion) ctx.live.remember?.(placed.ref, { desired: content, resourceVersion: live.metadata.resourceVersion });
  return { placed, live, action: changes.length ? 'configured' : 'unchanged', changes, result: changes.length ? predicted : live, ...extra };
}

export interface WriteContext {
  client: KubeClient;
  /** told of every apply, so the next plan knows the object is as applied */
  live?: LiveState;
  fieldManager: string;
  clock: Clock;
  replaceTimeoutMs: number;
}

/** Writes a planned change; returns the plan with the server's object or the failure. */
export async function applyObject(ctx: WriteContext, plan: ObjectPlan): Promise<ObjectPlan> {
  if (plan.action !== 'created' && plan.action !== 'configured') return plan;
  const { ref } = plan.placed;
  // replaced objects are created anew: as git says
  const object = plan.replace ? plan.placed.object : (plan.object ?? plan.placed.object);
  try {
    if (plan.replace) {
      await ctx.client.delete(object.apiVersion, ref.kind, ref.name, ref.namespace, { propagationPolicy: 'Background' });
      await waitGone(ctx, plan);
    }
    const result = await ctx.client.apply(object, { fieldManager: ctx.fieldManager, force: true });
    if (ctx.live?.remember && result.metadata?.resourceVersion) ctx.live.remember(ref, { desired: contentId(object), resourceVersion: result.metadata.resourceVersion });
    return { ...plan, result, message: appliedMessage(plan) };
  } catch (e) {
    return failed(plan.placed, plan.live, e, '', plan.placed.targetNamespace ? 'creating the target namespace: ' : '');
  }
}

/** Identifies a desired object's content (placed, so target-specific). */
export function contentId(object: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(object)).digest('base64url');
}

/** The change set entry of a plan (or of its outcome once applied). */
export function entryOf(plan: ObjectPlan): ChangeSetEntry {
  const entry: ChangeSetEntry = { ref: plan.placed.ref, action: plan.action };
  if (plan.message) entry.message = plan.message;
  const diff = [...(plan.action === 'configured' ? plan.changes : []), ...(plan.action === 'configured' || plan.action === 'unchanged' ? (plan.ignored ?? []) : [])];
  if (diff.length) entry.diff = maskSecretChanges(plan.placed.ref.kind, diff);
  if (plan.placed.source) entry.source = plan.placed.source;
  return entry;
}

function appliedMessage(plan: ObjectPlan): string | undefined {
  if (plan.replace) return 'replaced: deleted and recreated because an immutable field changed';
  if (plan.placed.targetNamespace) return 'target namespace created (never pruned)';
  return plan.message;
}

async function waitGone(ctx: WriteContext, plan: ObjectPlan): Promise<void> {
  const { object, ref } = plan.placed;
  const gone = await poll(ctx.clock, ctx.clock.now() + ctx.replaceTimeoutMs, 200, async () => !(await ctx.client.get(object.apiVersion, ref.kind, ref.name, ref.namespace)));
  if (!gone) throw new Error(`${describeRef(ref)} still exists ${ctx.replaceTimeoutMs} ms after deleting it for replacement`);
}

function failed(placed: PlacedObject, live: KubeObject | undefined, e: unknown, suffix = '', prefix = ''): ObjectPlan {
  return { placed, live, action: 'failed', changes: [], message: `${prefix}${(e as Error).message ?? String(e)}${suffix}`, result: live, error: e };
}
