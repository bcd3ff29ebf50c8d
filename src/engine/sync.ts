// The sync engine: place → plan (dry-run diff) → apply in stages → prune → health, for one
// target (application, cluster, namespace). Plain TypeScript; the caller stores the inventory.
import type { KubeClient } from '../kube';
import { maskSecretChanges } from './diff';
import { healthOf, worstHealth } from './health';
import { DirectLiveState, type LiveState } from './live';
import { isCrd, refKey, trackingId, FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type Inventory, type ObjectRef } from './objects';
import { applyGroups, Stage, stageOf } from './order';
import { mapBounded } from '../shared/map-bounded';
import { placeTarget } from './place';
import { applyPlan, planObject, type Plan, type PlanContext } from './plan';
import { prune, pruneCandidates } from './prune';
import type { PlacedObject } from './place';
import type { ChangeAction, ChangeSetEntry, DriftEntry, EngineOptions, HealthReport, SyncRequest, SyncResult, Target } from './types';
import { waitForCrds } from './crds';

const STAGES = [Stage.Crds, Stage.Namespaces, Stage.ClusterScoped, Stage.Namespaced, Stage.Admission];

export class SyncEngine {
  private readonly live: LiveState;
  private readonly concurrency: number;
  private readonly fieldManager: string;

  constructor(private readonly client: KubeClient, private readonly options: EngineOptions = {}) {
    this.live = options.live ?? new DirectLiveState(client);
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
  }

  /** Applies the objects to the target; with `dryRun` only says what it would do. */
  async sync(req: SyncRequest): Promise<SyncResult> {
    const dryRun = req.dryRun === true;
    const { placed, failures } = await placeTarget(this.client, req, this.concurrency);
    const changes: ChangeSetEntry[] = [...failures];
    const plans: Plan[] = [];
    let parentsPending = false;
    for (const stage of STAGES) {
      const items = placed.filter((p) => stageOf(p) === stage);
      if (stage === Stage.Namespaced && items.length) {
        const created = await this.ensureNamespace(req, placed, dryRun);
        if (created) changes.push(created);
        if (created && dryRun) parentsPending = true;
      }
      if (!items.length) continue;
      const ctx: PlanContext = { client: this.client, live: this.live, fieldManager: this.fieldManager, parentsPending, applying: !dryRun };
      const planned = new Map<PlacedObject, Plan>();
      const results = await mapBounded(items, this.concurrency, (p) => planObject(ctx, p));
      items.forEach((p, i) => planned.set(p, results[i]));
      if (!dryRun) {
        for (const group of applyGroups(items)) {
          const applied = await mapBounded(group, this.concurrency, (p) => applyPlan(ctx, planned.get(p)!, this.options.replaceTimeoutMs ?? 60_000));
          group.forEach((p, i) => planned.set(p, applied[i]));
        }
      }
      const stagePlans = applyGroups(items).flat().map((p) => planned.get(p)!);
      plans.push(...stagePlans);
      changes.push(...stagePlans.map(entryOf));
      if (stage === Stage.Crds) {
        const crds = stagePlans.filter((p) => p.action !== 'failed' && isCrd(p.placed.object)).map((p) => p.placed.object);
        if (!dryRun) {
          const late = await waitForCrds(this.client, crds, this.options.crdTimeoutMs ?? 30_000);
          for (const { ref, message } of late) {
            const entry = changes.find((c) => c.ref.kind === ref.kind && c.ref.name === ref.name);
            if (entry) Object.assign(entry, { action: 'failed', message });
          }
        }
        this.client.discovery.invalidate();
      }
      if (dryRun && stagePlans.some((p) => p.action === 'created' && (stage === Stage.Crds || stage === Stage.Namespaces))) parentsPending = true;
    }

    const rendered = placed.map((p) => p.ref);
    const candidates = pruneCandidates(req.inventory ?? [], rendered, req.retain);
    let kept: ObjectRef[] = candidates;
    if (req.prune && candidates.length) {
      const outcome = await prune({
        client: this.client, live: this.live, dryRun,
        trackingIds: { namespaced: trackingId(req.application, req.namespace), cluster: trackingId(req.application, undefined) },
      }, candidates);
      changes.push(...outcome.changes);
      kept = outcome.kept;
    }
    const owned = plans.filter((p) => !p.shared).map((p) => p.placed.ref);
    const inventory = dedupe([...owned, ...kept]);
    const health = summarize(plans.filter((p) => !p.shared).map((p) => ({ ref: p.placed.ref, ...healthOf(p.result ?? p.live) })));
    const counts = countActions(changes);
    return { changes, inventory, health, ok: counts.failed === 0, counts };
  }

  /** What a sync would change, per object, with field diffs (Secret values masked). */
  async diff(req: SyncRequest): Promise<ChangeSetEntry[]> {
    return (await this.sync({ ...req, dryRun: true })).changes;
  }

  /** Inventory objects changed or deleted outside Flotilla, compared with the desired objects. */
  async drift(req: Target & { objects: SyncRequest['objects']; inventory: Inventory }): Promise<DriftEntry[]> {
    const { placed } = await placeTarget(this.client, req, this.concurrency);
    const tracked = new Set(req.inventory.map(refKey));
    const ctx: PlanContext = { client: this.client, live: this.live, fieldManager: this.fieldManager, parentsPending: false, applying: false };
    const plans = await mapBounded(placed.filter((p) => tracked.has(refKey(p.ref))), this.concurrency, (p) => planObject(ctx, p));
    const drift: DriftEntry[] = [];
    for (const plan of plans) {
      const ref = plan.placed.ref;
      if (!plan.live && plan.action !== 'failed') {
        drift.push({ ref, state: 'deleted', message: `${ref.kind} ${ref.name} was deleted outside Flotilla` });
      } else if (plan.action === 'configured') {
        const managers = [...new Set<string>((plan.live?.metadata.managedFields ?? []).map((f: { manager?: string }) => f.manager ?? '').filter((m: string) => m && m !== this.fieldManager))];
        const diff = maskSecretChanges(ref.kind, plan.changes);
        drift.push({
          ref, state: 'changed', diff, managers,
          message: `${ref.kind} ${ref.name} changed outside Flotilla: ${diff.map((d) => d.path).join(', ')}${managers.length ? ` (other managers: ${managers.join(', ')})` : ''}`,
        });
      }
    }
    return drift;
  }

  /** Health of the given objects as they are live now. */
  async health(refs: readonly ObjectRef[]): Promise<HealthReport> {
    const resources = await mapBounded(refs, this.concurrency, async (ref) => {
      try {
        return { ref, ...healthOf(await this.live.get(ref)) };
      } catch (e) {
        return { ref, status: 'Unknown' as const, message: (e as Error).message };
      }
    });
    return summarize(resources);
  }

  /** The target namespace, created when missing and not part of the rendered objects. */
  private async ensureNamespace(target: Target, placed: PlacedObject[], dryRun: boolean): Promise<ChangeSetEntry | undefined> {
    if (placed.some((p) => p.ref.kind === 'Namespace' && p.ref.group === '' && p.ref.name === target.namespace)) return undefined;
    const ref: ObjectRef = { group: '', version: 'v1', kind: 'Namespace', name: target.namespace };
    try {
      if (await this.live.get(ref)) return undefined;
    } catch {
      return undefined; // e.g. a namespace-scoped token may not read namespaces; the object dry-runs will tell
    }
    if (dryRun) return { ref, action: 'created', message: 'target namespace would be created' };
    try {
      await this.client.apply(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: target.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } } },
        { fieldManager: this.fieldManager, force: true },
      );
      return { ref, action: 'created', message: 'target namespace created (never pruned)' };
    } catch (e) {
      return { ref, action: 'failed', message: `creating the target namespace: ${(e as Error).message}` };
    }
  }
}

function entryOf(plan: Plan): ChangeSetEntry {
  const entry: ChangeSetEntry = { ref: plan.placed.ref, action: plan.action };
  if (plan.message) entry.message = plan.message;
  if (plan.action === 'configured' && plan.changes.length) entry.diff = maskSecretChanges(plan.placed.ref.kind, plan.changes);
  if (plan.placed.source) entry.source = plan.placed.source;
  return entry;
}

function summarize(resources: HealthReport['resources']): HealthReport {
  return { status: worstHealth(resources.map((r) => r.status)), resources };
}

function countActions(changes: ChangeSetEntry[]): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = { created: 0, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}

function dedupe(refs: ObjectRef[]): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const r of refs) if (!seen.has(refKey(r))) seen.set(refKey(r), r);
  return [...seen.values()];
}
