// Where each node of the resource graph goes, by dagre (a layered layout, left to right:
// application → applied objects → ReplicaSets → Pods). dagre is synchronous and small; its cost
// grows faster than the graph does (a thousand objects in one call take most of a second), so it
// lays out each group of connected objects on its own and the groups stack in one column, the
// application's node at their left. Groups of the same shape (250 Deployments, each with one
// ReplicaSet of two Pods, are one shape) are laid out once: dagre is deterministic, the same
// input gives the same places. An edge that spans more than one column keeps the route dagre gave
// it, between the nodes of the columns it crosses rather than through them.
import { type EdgeLabel, Graph, layout } from '@dagrejs/dagre';
import { type GraphEdge, ROOT_ID, type ResourceGraphModel } from './model';

export const NODE_W = 232;
export const NODE_H = 52;
export const RANK_SEP = 64;
const NODE_SEP = 10;
/** between two groups in the column */
const GROUP_GAP = 22;
/**
 * A link (Service → Pod, Ingress → Service) joins two groups only while the joined group stays
 * this small: a Service selecting the Pods of many Deployments would otherwise make one group of
 * everything, and one slow dagre call. Links left out of the layout are still drawn.
 */
const MAX_GROUP = 160;
/** the application's node sits midway down the column up to this height, at its top beyond */
const CENTRE_ROOT_UP_TO = 900;

export interface Placed {
  x: number;
  y: number;
}

export interface GraphLayout {
  positions: Map<string, Placed>;
  /** edge id → the points an edge across several columns passes through between its ends */
  routes: Map<string, Placed[]>;
  width: number;
  height: number;
  /** dagre calls this layout took (the rest were shapes laid out before) */
  dagreRuns: number;
}

interface Shape {
  /** top-left corners of the group's nodes, 0 its virtual root */
  nodes: Placed[];
  /** per edge of the shape, in its order: the points between the ends, when the edge spans columns */
  routes: Array<Placed[] | null>;
}
// shape → its places, relative to the group's virtual root; shapes recur across reloads
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 2000;

export function layoutGraph(model: ResourceGraphModel): GraphLayout {
  const ids = [...model.objects.keys()];
  const index = new Map(ids.map((id, i) => [id, i]));
  const objectEdges = model.edges.filter((e) => e.from !== ROOT_ID);
  const out = new Map<string, GraphEdge[]>();
  for (const e of objectEdges) {
    const list = out.get(e.from);
    if (list) list.push(e);
    else out.set(e.from, [e]);
  }

  // groups: union-find over ownership always, over links while the group stays small
  const parent = ids.map((_, i) => i);
  const size = ids.map(() => 1);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const inLayout = new Set<GraphEdge>();
  for (const pass of ['owns', 'link'] as const) {
    for (const e of objectEdges) {
      if ((e.kind === 'owns') !== (pass === 'owns')) continue;
      const a = find(index.get(e.from)!);
      const b = find(index.get(e.to)!);
      if (a !== b) {
        if (pass === 'link' && size[a] + size[b] > MAX_GROUP) continue;
        parent[b] = a;
        size[a] += size[b];
      }
      inLayout.add(e);
    }
  }
  const groups = new Map<number, string[]>();
  for (const [i, id] of ids.entries()) {
    const g = find(i);
    const members = groups.get(g);
    if (members) members.push(id);
    else groups.set(g, [id]);
  }

  const positions = new Map<string, Placed>();
  const routes = new Map<string, Placed[]>();
  let top = 0;
  let width = 0;
  let dagreRuns = 0;
  for (const members of groups.values()) {
    // a canonical order: from the group's applied objects (its virtual root's children), breadth first
    const inGroup = new Set(members);
    const starts = members.filter((id) => model.objects.get(id)!.applied);
    const order: string[] = [];
    const local = new Map<string, number>();
    const visit = (id: string) => {
      if (local.has(id)) return;
      local.set(id, order.length + 1); // 0 is the virtual root
      order.push(id);
    };
    (starts.length ? starts : members.slice(0, 1)).forEach(visit);
    for (let i = 0; i < order.length; i++) for (const e of out.get(order[i]) ?? []) if (inGroup.has(e.to) && inLayout.has(e)) visit(e.to);
    members.forEach(visit); // anything a link left out of reach
    const pairs: Array<[number, number]> = starts.map((id) => [0, local.get(id)!]);
    const pairIds = starts.map((id) => `${ROOT_ID}>${id}`);
    for (const id of order) {
      for (const e of out.get(id) ?? []) {
        if (!inGroup.has(e.to) || !inLayout.has(e)) continue;
        pairs.push([local.get(id)!, local.get(e.to)!]);
        pairIds.push(e.id);
      }
    }
    const key = `${order.length + 1}|${pairs.map(([a, b]) => `${a}>${b}`).join(',')}`;

    let shape = shapes.get(key);
    if (!shape) {
      shape = runDagre(order.length + 1, pairs);
      dagreRuns++;
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(key, shape);
    }
    const origin = shape.nodes[0].x;
    const minY = Math.min(...shape.nodes.slice(1).map((p) => p.y));
    const place = (p: Placed) => ({ x: p.x - origin, y: p.y - minY + top });
    let bottom = 0;
    order.forEach((id, i) => {
      const placed = place(shape.nodes[i + 1]);
      positions.set(id, placed);
      bottom = Math.max(bottom, placed.y + NODE_H);
      width = Math.max(width, placed.x + NODE_W);
    });
    shape.routes.forEach((route, i) => route && routes.set(pairIds[i], route.map(place)));
    top = bottom + GROUP_GAP;
  }
  const height = Math.max(NODE_H, top - GROUP_GAP);
  positions.set(ROOT_ID, { x: 0, y: height <= CENTRE_ROOT_UP_TO ? Math.round((height - NODE_H) / 2) : 0 });
  return { positions, routes, width: Math.max(width, NODE_W), height, dagreRuns };
}

/** nodes 0..n-1 (0: the virtual root) and the edges between them, laid out left to right */
function runDagre(n: number, pairs: Array<[number, number]>): Shape {
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', ranksep: RANK_SEP, nodesep: NODE_SEP, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (let i = 0; i < n; i++) g.setNode(String(i), { width: NODE_W, height: NODE_H });
  for (const [a, b] of pairs) g.setEdge(String(a), String(b));
  layout(g);
  const nodes = Array.from({ length: n }, (_, i) => {
    const { x, y } = g.node(String(i));
    // dagre places centres
    return { x: Math.round(x - NODE_W / 2), y: Math.round(y - NODE_H / 2) };
  });
  // dagre's points: where the edge leaves its source, one per column gap and column it crosses,
  // where it meets its target; an edge between neighbouring columns (three points) needs no route
  const routes = pairs.map(([a, b]) => {
    const points = (g.edge(String(a), String(b)) as EdgeLabel | undefined)?.points ?? [];
    return points.length > 3 ? points.slice(1, -1).map((p) => ({ x: Math.round(p.x), y: Math.round(p.y) })) : null;
  });
  return { nodes, routes };
}
