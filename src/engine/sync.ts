// The sync engine for one cluster: plan (place, read, dry-run, decide prune — no writes) and
// apply (stages, waves, prune, health) for a target (application, cluster, namespace). Plain
// TypeScript; the caller stores the inventory.
import type { KubeClient } from '../kube';
import { mapBounded } from '../shared/map-bounded';
import { systemClock } from '../shared/clock';
import { applySync } from './apply';
import { maskSecretChanges } from './diff';
import { healthOf } from './health';
import { DirectLiveState } from './live';
import { clusterFailure, planObject } from './object-plan';
import { describeRef, FIELD_MANAGER, refKey, type Inventory, type ObjectRef } from './objects';
import { placeTarget } from './place';
import { planContext, planSync, summarizeHealth, type EngineContext } from './plan';
import type { ApplyOptions, ChangeSetEntry, DriftEntry, EngineOptions, HealthReport, ResourceHealth, SyncPlan, SyncRequest, SyncResult, TargetCheck } from './types';

/** What a drift and health check needs: the desired objects, the inventory, and the rules for both. */
export type CheckRequest = Pick<SyncRequest, 'target' | 'objects' | 'adopt' | 'clusterResources' | 'ignoreDifferences'> & { inventory: Inventory };

export class SyncEngine {
  private readonly ctx: EngineContext;

  constructor(client: KubeClient, options: EngineOptions = {}) {
    this.ctx = {
      client,
      live: options.live ?? new DirectLiveState(client),
      fieldManager: options.fieldManager ?? FIELD_MANAGER,
      concurrency: Math.max(1, options.concurrency ?? 8),
      clock: options.clock ?? systemClock,
      crdTimeoutMs: options.crdTimeoutMs ?? 30_000,
      replaceTimeoutMs: options.replaceTimeoutMs ?? 60_000,
    };
  }

  /** What a sync would do, per stage and object, and what prune would delete. Writes nothing. */
  plan(request: SyncRequest): Promise<SyncPlan> {
    return planSync(this.ctx, request);
  }

  /** Carries out a plan (a dry-run plan only returns its view); see ApplyOptions for stopping it. */
  apply(plan: SyncPlan, options?: ApplyOptions): Promise<SyncResult> {
    return applySync(this.ctx, plan, options);
  }

  /** Plans and applies; with `dryRun` only says what it would do. */
  async sync(request: SyncRequest, options?: ApplyOptions): Promise<SyncResult> {
    return this.apply(await this.plan(request), options);
  }

  /** What a sync would change, per object, with field diffs (Secret values masked). */
  async diff(request: SyncRequest): Promise<ChangeSetEntry[]> {
    return (await this.plan({ ...request, dryRun: true })).changes;
  }

  /** Inventory objects changed or deleted outside Flotilla, compared with the desired objects. */
  async drift(request: CheckRequest): Promise<DriftEntry[]> {
    return (await this.check(request)).drift;
  }

  /**
   * Drift and health of a target in one pass, reading each inventory object once: the interval
   * check of a target that is in sync costs one read and one dry run per object, and no write.
   */
  async check(request: CheckRequest): Promise<TargetCheck> {
    const { client, fieldManager, concurrency } = this.ctx;
    const { placed } = await placeTarget(client, request.target, request.objects, concurrency, { clusterResources: request.clusterResources });
    const tracked = new Set(request.inventory.map(refKey));
    const plans = await mapBounded(
      placed.filter((p) => tracked.has(refKey(p.ref))),
      concurrency,
      (p) => planObject(planContext(this.ctx, false, false, request), p),
    );
    const unreachable = clusterFailure(plans);
    if (unreachable) throw unreachable;
    const drift: DriftEntry[] = [];
    const read = new Map<string, ResourceHealth>();
    for (const plan of plans) {
      const ref = plan.placed.ref;
      if (plan.action !== 'failed') read.set(refKey(ref), { ref, ...healthOf(plan.live) });
      if (!plan.live && plan.action !== 'failed') {
        drift.push({ ref, state: 'deleted', message: `${describeRef(ref)} was deleted outside Flotilla` });
      } else if (plan.action === 'configured') {
        const managers = [
          ...new Set<string>((plan.live?.metadata.managedFields ?? []).map((f: { manager?: string }) => f.manager ?? '').filter((m: string) => m && m !== fieldManager)),
        ];
        const diff = maskSecretChanges(ref.kind, plan.changes);
        drift.push({
          ref,
          state: 'changed',
          diff,
          managers,
          message: `${describeRef(ref)} changed outside Flotilla: ${diff.map((d) => d.path).join(', ')}${managers.length ? ` (other managers: ${managers.join(', ')})` : ''}`,
        });
      }
    }
    // inventory objects no longer rendered (kept with prune off) or unreadable above: read them now
    const rest = await this.health(request.inventory.filter((r) => !read.has(refKey(r))));
    const resources = request.inventory.map((r) => read.get(refKey(r)) ?? rest.resources.find((x) => refKey(x.ref) === refKey(r))!);
    return { drift, health: summarizeHealth(resources) };
  }

  /** Health of the given objects as they are live now. */
  async health(refs: readonly ObjectRef[]): Promise<HealthReport> {
    const resources = await mapBounded(refs, this.ctx.concurrency, async (ref) => {
      try {
        return { ref, ...healthOf(await this.ctx.live.get(ref)) };
      } catch (e) {
        return { ref, status: 'Unknown' as const, message: (e as Error).message };
      }
    });
    return summarizeHealth(resources);
  }
}
