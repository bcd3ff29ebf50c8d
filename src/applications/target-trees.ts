import { Injectable } from '@nestjs/common';
import type { KubeClient } from '../kube';
import { TargetPlans } from './target-plans';
import { healthOf, maskSecret, refKey, type KubeObject, type ObjectRef } from '../engine';
import { joinApiVersion, splitApiVersion, UnknownKindError } from '../kube';
import { Clock } from '../shared/clock';
import { InvalidInputError, NotFoundError } from '../shared/errors';
import { mapBounded } from '../shared/map-bounded';
import type { TreeLinkView, TreeNodeView, TreeView } from './dto/tree.view';
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
    // every object the tree shows, for the links between them (Service → Pod, Ingress → Service)
    const shown: KubeObject[] = [];
    const node = (o: KubeObject, depth: number): TreeNodeView => {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      const h = healthOf(o);
      shown.push(o);
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
    return { application, cluster, namespace, readAt: this.clock.date(), nodes, links: treeLinks(shown) };
  }

  private async open(application: string, clusterName: string, namespace: string): Promise<{ target: TargetRow; client: KubeClient }> {
    // the target as the reconciler and the diff see it (TargetPlans): 404 for a target or cluster that is not there
    const plan = await this.plans.planFor(application, { cluster: clusterName, namespace });
    if (!plan.cluster) throw new NotFoundError('cluster', clusterName);
    return { target: plan.row, client: plan.client() };
  }
}

const keyOf = (o: KubeObject) => refKey({ ...splitApiVersion(o.apiVersion), kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace });
type Labels = Record<string, string>;

/**
 * The relations between objects of a tree that no ownerReference records: a Service selects the
 * Pods whose labels hold every pair of its spec.selector (same namespace; an empty or absent
 * selector selects nothing, as for the endpoints controller), and an Ingress routes to the
 * Services its rules and default backend name (same namespace). Only objects of the tree are
 * linked; each link once, in a stable order.
 */
export function treeLinks(objects: KubeObject[]): TreeLinkView[] {
  const links = new Map<string, TreeLinkView>();
  const add = (from: KubeObject, to: KubeObject, kind: TreeLinkView['kind']) => {
    const link = { from: keyOf(from), to: keyOf(to), kind };
    links.set(`${link.from}\0${link.to}`, link);
  };
  const isCore = (o: KubeObject, kind: string) => o.kind === kind && o.apiVersion === 'v1';
  // pods by namespace and label pair: a Service's first pair picks the candidates, the rest check them
  const pods = new Map<string, KubeObject[]>();
  for (const pod of objects.filter((o) => isCore(o, 'Pod'))) {
    for (const [k, v] of Object.entries((pod.metadata.labels ?? {}) as Labels)) {
      const at = `${pod.metadata.namespace ?? ''}\0${k}=${v}`;
      pods.set(at, [...(pods.get(at) ?? []), pod]);
    }
  }
  const services = new Map<string, KubeObject>();
  for (const svc of objects.filter((o) => isCore(o, 'Service'))) {
    services.set(`${svc.metadata.namespace ?? ''}\0${svc.metadata.name}`, svc);
    const selector = Object.entries((svc.spec?.selector ?? {}) as Labels);
    if (!selector.length) continue;
    const [k, v] = selector[0];
    for (const pod of pods.get(`${svc.metadata.namespace ?? ''}\0${k}=${v}`) ?? []) {
      const labels = (pod.metadata.labels ?? {}) as Labels;
      if (selector.every(([key, value]) => labels[key] === value)) add(svc, pod, 'selects');
    }
  }
  for (const ing of objects.filter((o) => o.kind === 'Ingress' && o.apiVersion.startsWith('networking.k8s.io/'))) {
    for (const name of ingressServices(ing)) {
      const svc = services.get(`${ing.metadata.namespace ?? ''}\0${name}`);
      if (svc) add(ing, svc, 'routes');
    }
  }
  // by code point, the same on every machine
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...links.values()].sort((a, b) => order(a.from, b.from) || order(a.to, b.to));
}

/** the Service names an Ingress's default backend and rules send to (networking.k8s.io/v1 and v1beta1) */
function ingressServices(ing: KubeObject): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a backend as the server sends it, either version's shape
  const nameOf = (b: any): unknown => b?.service?.name ?? b?.serviceName;
  const spec = ing.spec ?? {};
  const backends: unknown[] = [nameOf(spec.defaultBackend ?? spec.backend)];
  for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
    for (const path of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) backends.push(nameOf(path?.backend));
  }
  return [...new Set(backends.filter((n): n is string => typeof n === 'string' && n !== ''))];
}
