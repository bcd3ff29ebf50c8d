import { Injectable } from '@nestjs/common';
import type { KubeClient } from '../kube';
import { TargetPlans } from './target-plans';
import { healthOf, maskSecret, refKey, type KubeObject, type ObjectRef } from '../engine';
import { joinApiVersion, UnknownKindError } from '../kube';
import { Clock } from '../shared/clock';
import { InvalidInputError, NotFoundError } from '../shared/errors';
import { mapBounded } from '../shared/map-bounded';
import type { TreeNodeView, TreeView } from './dto/tree.view';
import { TargetRow } from './target.entity';

/** kinds whose objects hang below applied ones by ownerReferences (Deployment → ReplicaSet → Pod, …) */
const CHILD_KINDS = [
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  { apiVersion: 'apps/v1', kind: 'ControllerRevision' },
];
/** a tree is read from the cluster at most this often per target */
const FRESH_MS = 3_000;
/** children kept per kind and namespace: enough to show, bounded for a namespace with thousands of pods */
const MAX_CHILDREN = 500;
const MAX_DEPTH = 4;

/**
 * What a target runs: the objects Flotilla applied (its inventory) and the objects that hang below
 * them by ownerReferences, read from the cluster on demand — bounded and cached for a moment, so a
 * page reloading does not hammer the API server. Live manifests are shown with Secret values masked.
 */
@Injectable()
export class TargetTrees {
  private readonly cache = new Map<string, { at: number; tree: Promise<TreeView> }>();

  constructor(
    private readonly plans: TargetPlans,
    private readonly clock: Clock,
  ) {}

  tree(application: string, cluster: string, namespace: string): Promise<TreeView> {
    const key = `${application}\0${cluster}\0${namespace}`;
    const cached = this.cache.get(key);
    if (cached && this.clock.now() - cached.at < FRESH_MS) return cached.tree;
    const tree = this.read(application, cluster, namespace);
    this.cache.set(key, { at: this.clock.now(), tree });
    tree.catch(() => this.cache.get(key)?.tree === tree && this.cache.delete(key));
    for (const [k, v] of this.cache) if (this.clock.now() - v.at > FRESH_MS * 10) this.cache.delete(k);
    return tree;
  }

  /** One object of the target, as the cluster has it now (Secret values masked). */
  async object(application: string, cluster: string, namespace: string, ref: ObjectRef): Promise<KubeObject> {
    const { target, client } = await this.open(application, cluster, namespace);
    const known = new Set(target.inventory.map(refKey));
    if (!known.has(refKey(ref)) && !(ref.namespace === namespace && CHILD_KINDS.some((c) => c.kind === ref.kind))) {
      throw new InvalidInputError(`${ref.kind} ${ref.name} is neither applied by this target nor a child kind in its namespace`);
    }
    const live = await client.get(joinApiVersion(ref), ref.kind, ref.name, ref.namespace);
    if (!live) throw new NotFoundError(ref.kind.toLowerCase(), ref.name);
    const { managedFields: _hidden, ...metadata } = live.metadata;
    return maskSecret({ ...live, metadata });
  }

  private async read(application: string, cluster: string, namespace: string): Promise<TreeView> {
    const { target, client } = await this.open(application, cluster, namespace);
    const applied = await mapBounded(target.inventory, 8, async (ref) => ({
      ref,
      live: await client.get(joinApiVersion(ref), ref.kind, ref.name, ref.namespace).catch(() => undefined),
    }));
    const children = (
      await mapBounded(CHILD_KINDS, 4, async (c) => {
        try {
          return (await client.list(c.apiVersion, c.kind, { namespace: target.namespace })).slice(0, MAX_CHILDREN);
        } catch (e) {
          if (e instanceof UnknownKindError) return [];
          throw e;
        }
      })
    ).flat();
    const byOwner = new Map<string, KubeObject[]>();
    for (const o of children) for (const owner of o.metadata.ownerReferences ?? []) byOwner.set(owner.uid, [...(byOwner.get(owner.uid) ?? []), o]);
    const sync = new Map(target.resources.map((r) => [refKey(r), r]));
    const node = (o: KubeObject, depth: number): TreeNodeView => {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      const h = healthOf(o);
      const kids = depth < MAX_DEPTH ? (byOwner.get(o.metadata.uid ?? '') ?? []).map((c) => node(c, depth + 1)) : [];
      return {
        group,
        version,
        kind: o.kind,
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        name: o.metadata.name,
        health: h.status,
        ...(h.message ? { message: h.message } : {}),
        children: kids.sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`)),
      };
    };
    const nodes = applied.map(({ ref, live }) => {
      const status = sync.get(refKey(ref));
      if (!live) return { ...ref, health: 'Missing' as const, sync: status?.sync ?? 'OutOfSync', applied: true, children: [] };
      return { ...node(live, 0), sync: status?.sync ?? 'Synced', applied: true };
    });
    return { application, cluster, namespace, readAt: this.clock.date(), nodes };
  }

  private async open(application: string, clusterName: string, namespace: string): Promise<{ target: TargetRow; client: KubeClient }> {
    // the target as the reconciler and the diff see it (TargetPlans): 404 for a target or cluster that is not there
    const plan = await this.plans.planFor(application, { cluster: clusterName, namespace });
    if (!plan.cluster) throw new NotFoundError('cluster', clusterName);
    return { target: plan.row, client: plan.client() };
  }
}
