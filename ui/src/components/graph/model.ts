// The resource graph of one target, as data: the application, the objects Flotilla applied, their
// children by ownerReferences, and the links the service computed (a Service to the Pods it
// selects, an Ingress to the Services it routes to). No layout and no React here: the target page
// imports this eagerly (for the keys), the graph itself (React Flow, dagre) is loaded on demand.
import type { Tree, TreeNode } from '../../api/client';

/** group/kind/namespace/name: the key the service's links use, and the list's row keys */
export const keyOf = (n: Pick<TreeNode, 'group' | 'kind' | 'namespace' | 'name'>) => `${n.group}/${n.kind}/${n.namespace ?? ''}/${n.name}`;

/** the id of the application's own node, which no Kubernetes key can equal (keys hold three slashes) */
export const ROOT_ID = 'application';

/** applies: application → applied object; owns: owner → child; selects: Service → Pod; routes: Ingress → Service */
export type EdgeKind = 'applies' | 'owns' | 'selects' | 'routes';

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
}

export interface ResourceGraphModel {
  /** every object once (a child of two owners appears once, with two edges), in tree order */
  objects: Map<string, { node: TreeNode; applied: boolean }>;
  edges: GraphEdge[];
}

export function graphOf(tree: Tree): ResourceGraphModel {
  const objects = new Map<string, { node: TreeNode; applied: boolean }>();
  const edges = new Map<string, GraphEdge>();
  const edge = (from: string, to: string, kind: EdgeKind) => {
    const id = `${from}>${to}`;
    if (!edges.has(id)) edges.set(id, { id, from, to, kind });
  };
  const walk = (node: TreeNode, key: string) => {
    for (const child of node.children) {
      const k = keyOf(child);
      edge(key, k, 'owns');
      if (objects.has(k)) continue;
      objects.set(k, { node: child, applied: false });
      walk(child, k);
    }
  };
  for (const node of tree.nodes) {
    const key = keyOf(node);
    edge(ROOT_ID, key, 'applies');
    const seen = objects.get(key);
    // an applied object also met as someone's child is still an applied one
    if (seen) seen.applied = true;
    else {
      objects.set(key, { node, applied: true });
      walk(node, key);
    }
  }
  for (const link of tree.links ?? []) if (objects.has(link.from) && objects.has(link.to)) edge(link.from, link.to, link.kind);
  return { objects, edges: [...edges.values()] };
}

export function countObjects(tree: Tree): number {
  const count = (nodes: TreeNode[]): number => nodes.reduce((n, x) => n + 1 + count(x.children), 0);
  return count(tree.nodes);
}
