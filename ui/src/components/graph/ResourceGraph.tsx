// The target's resources as a graph, as Argo CD draws them: the application, the objects it
// applied, their children by ownerReferences, Services linked to the Pods they select and
// Ingresses to the Services they route to; each node with kind, name, health and sync. React Flow
// draws it (only what is in view: a thousand objects cost what a screenful does), dagre places it
// (./layout, once per tree read). Click a node, or Enter on a focused one, to open it; arrows move
// along the graph (←/→ owner and child, ↑/↓ the column), Tab through the nodes in view.
//
// It mounts before the tree has loaded, with the application's node alone: setting up React Flow
// (its code compiled, its pane measured) costs more than drawing a thousand objects does, and so
// it happens while the tree is read from the cluster rather than after.
//
// This module and React Flow's stylesheet load on demand (the target page imports it lazily): the
// stylesheet is a file Vite emits, React Flow adds no <style> element, and what it positions it
// positions through element.style — all within the Content Security Policy.
import '@xyflow/react/dist/style.css';
import {
  Background,
  BaseEdge,
  Controls,
  type Edge,
  type EdgeProps,
  type EdgeTypes,
  getBezierPath,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  type NodeTypes,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Viewport,
} from '@xyflow/react';
import { createContext, type KeyboardEvent, memo, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Tree, TreeNode } from '../../api/client';
import { HealthBadge, Loading, SyncBadge } from '../Status';
import { type GraphLayout, layoutGraph, NODE_H, NODE_W, type Placed, RANK_SEP } from './layout';
import { type EdgeKind, graphOf, type ResourceGraphModel, ROOT_ID } from './model';

interface NodeData extends Record<string, unknown> {
  /** null for the application's node */
  node: TreeNode | null;
  applied: boolean;
  title: string;
  subtitle?: string;
}
type GraphNode = Node<NodeData, 'object'>;

const SelectedKey = createContext<string | null>(null);

const ObjectNode = memo(function ObjectNode({ id, data }: NodeProps<GraphNode>) {
  const selected = useContext(SelectedKey) === id;
  const n = data.node;
  return (
    <div className={`gnode${n ? '' : ' groot'}${data.applied ? ' applied' : ''}${selected ? ' selected' : ''}`} data-health={n?.health}>
      {id === ROOT_ID ? null : <Handle type="target" position={Position.Left} isConnectable={false} />}
      <div className="gnode-head">
        <span className="kind">{n ? n.kind : 'Application'}</span>
        {n ? <HealthBadge status={n.health} compact /> : null}
        {n?.sync ? <SyncBadge status={n.sync} compact /> : null}
      </div>
      <div className="gnode-name" title={data.subtitle ? `${data.title} (${data.subtitle})` : data.title}>
        {data.title}
        {data.subtitle ? <span className="muted"> {data.subtitle}</span> : null}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

/** a path through `points`, leaving and entering each one horizontally (the graph runs left to right) */
function curveThrough(points: Placed[]): string {
  let path = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    const mid = (a.x + b.x) / 2;
    path += ` C${mid},${a.y} ${mid},${b.y} ${b.x},${b.y}`;
  }
  return path;
}

type RoutedEdgeType = Edge<{ via?: Placed[] }, 'routed'>;

/**
 * An edge as a curve; one that crosses columns passes through the points dagre routed it by
 * (between that column's nodes).
 */
const RoutedEdge = memo(function RoutedEdge({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, markerEnd }: EdgeProps<RoutedEdgeType>) {
  const path = data?.via?.length
    ? curveThrough([{ x: sourceX, y: sourceY }, ...data.via, { x: targetX, y: targetY }])
    : getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition })[0];
  return <BaseEdge path={path} markerEnd={markerEnd} />;
});

type BusEdgeType = Edge<{ from: Placed; trunk: number; branches: Placed[][] }, 'bus'>;

/**
 * The application's edges to every object it applied, as one element: a trunk down the gap after
 * the application's node and a branch to each object (through dagre's route when it lies further
 * right). 250 separate edges from one node would each span the graph, so each would count as in
 * view and be drawn, always; this is one path. It runs from the topmost applied object to the
 * bottommost, so React Flow keeps it while any part of the column is in view.
 */
const BusEdge = memo(function BusEdge({ data }: EdgeProps<BusEdgeType>) {
  if (!data) return null;
  const { from, trunk, branches } = data;
  const ys = [from.y, ...branches.map((b) => b[0].y)];
  let path = `M${from.x},${from.y} H${trunk} M${trunk},${Math.min(...ys)} V${Math.max(...ys)}`;
  for (const branch of branches) path += ` ${curveThrough(branch)}`;
  return <BaseEdge path={path} />;
});

const NODE_TYPES: NodeTypes = { object: ObjectNode };
const EDGE_TYPES: EdgeTypes = { routed: RoutedEdge, bus: BusEdge };
type GraphEdge = RoutedEdgeType | BusEdgeType;
// where the handles are before a node is in view and measured: edges to it are drawn all the same
const HANDLES: GraphNode['handles'] = [
  { type: 'target', position: Position.Left, x: 0, y: NODE_H / 2, width: 1, height: 1 },
  { type: 'source', position: Position.Right, x: NODE_W - 1, y: NODE_H / 2, width: 1, height: 1 },
];
const VERB: Record<EdgeKind, string> = { applies: 'applies', owns: 'owns', selects: 'selects', routes: 'routes to' };
/** the smallest zoom a graph opens at: still legible; a graph that needs less opens at its top left */
const MIN_OPEN_ZOOM = 0.6;
const PAD = 20;

/** the whole graph, centred, when it fits at a legible zoom; else its top left, as wide as fits */
function openingViewport(w: number, h: number, layout: GraphLayout): Viewport {
  const fitWidth = (w - 2 * PAD) / layout.width;
  const fitBoth = Math.min(fitWidth, (h - 2 * PAD) / layout.height);
  if (fitBoth >= MIN_OPEN_ZOOM) {
    const zoom = Math.min(1, fitBoth);
    return { zoom, x: (w - layout.width * zoom) / 2, y: (h - layout.height * zoom) / 2 };
  }
  return { zoom: Math.min(1, Math.max(MIN_OPEN_ZOOM, fitWidth)), x: PAD, y: PAD };
}

const nameOf = (n: TreeNode | null, application: string) => (n ? `${n.kind} ${n.name}` : `application ${application}`);

export interface ResourceGraphProps {
  /** absent while it loads */
  tree: Tree | undefined;
  application: string;
  cluster: string;
  namespace: string;
  selected: string | null;
  onSelect: (node: TreeNode) => void;
  /** once per tree read, when its graph is on screen: nodes in view painted, their edges drawn */
  onRendered?: (layout: GraphLayout) => void;
}

export default function ResourceGraph(props: ResourceGraphProps) {
  return (
    <ReactFlowProvider>
      <Graph {...props} />
    </ReactFlowProvider>
  );
}

const NOTHING: ResourceGraphModel = { objects: new Map(), edges: [] };

function Graph({ tree, application, cluster, namespace, selected, onSelect, onRendered }: ResourceGraphProps) {
  const flow = useReactFlow<GraphNode>();
  const box = useRef<HTMLDivElement>(null);
  const model = useMemo(() => (tree ? graphOf(tree) : NOTHING), [tree]);
  const placed = useMemo(() => layoutGraph(model), [model]);
  const nodes = useMemo<GraphNode[]>(() => {
    const out: GraphNode[] = [];
    const root = { node: null, applied: false, title: application, subtitle: `${cluster}/${namespace}` };
    const label = (n: TreeNode | null) =>
      n ? `${n.kind} ${n.name}, health ${n.health}${n.sync ? `, ${n.sync}` : ', not applied by Flotilla'}` : `application ${application} on ${cluster}/${namespace}`;
    out.push(graphNode(ROOT_ID, root, placed, label(null)));
    for (const [key, { node, applied }] of model.objects) out.push(graphNode(key, { node, applied, title: node.name }, placed, label(node), node));
    return out;
  }, [model, placed, application, cluster, namespace]);
  const edges = useMemo<GraphEdge[]>(() => {
    const name = (key: string) => nameOf(key === ROOT_ID ? null : (model.objects.get(key)?.node ?? null), application);
    const at = (key: string) => placed.positions.get(key) ?? { x: 0, y: 0 };
    const applied = model.edges.filter((e) => e.kind === 'applies').map((e) => e.to);
    const byY = [...applied].sort((a, b) => at(a).y - at(b).y);
    const root = at(ROOT_ID);
    const trunk = root.x + NODE_W + RANK_SEP / 2;
    const bus: BusEdgeType[] = applied.length
      ? [
          {
            id: 'applies',
            type: 'bus',
            source: byY[0],
            target: byY[byY.length - 1],
            data: {
              from: { x: root.x + NODE_W, y: root.y + NODE_H / 2 },
              trunk,
              branches: applied.map((key) => {
                const to = { x: at(key).x, y: at(key).y + NODE_H / 2 };
                const via = placed.routes.get(`${ROOT_ID}>${key}`);
                return via?.length ? [...via, to] : [{ x: trunk, y: to.y }, to];
              }),
            },
            className: 'gedge-applies',
            ariaLabel: `${nameOf(null, application)} applies ${applied.length} object${applied.length === 1 ? '' : 's'}`,
            domAttributes: { 'data-from': ROOT_ID, 'data-to': applied.join(' '), 'data-kind': 'applies' } as BusEdgeType['domAttributes'],
            focusable: false,
            selectable: false,
          },
        ]
      : [];
    const others = model.edges.filter((e) => e.kind !== 'applies');
    return [
      ...bus,
      ...others.map((e): RoutedEdgeType => {
        const link = e.kind === 'selects' || e.kind === 'routes';
        const via = placed.routes.get(e.id);
        return {
          id: e.id,
          type: 'routed' as const,
          source: e.from,
          target: e.to,
          ...(via ? { data: { via } } : {}),
          className: `gedge-${e.kind}`,
          ariaLabel: `${name(e.from)} ${VERB[e.kind]} ${name(e.to)}`,
          // data-* attributes are fine on any element; the declared type lists only the named ones
          domAttributes: { 'data-from': e.from, 'data-to': e.to, 'data-kind': e.kind } as RoutedEdgeType['domAttributes'],
          ...(link ? { markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: 'var(--accent)' } } : {}),
          focusable: false,
          selectable: false,
        };
      }),
    ];
  }, [model, placed, application]);

  // for the arrow keys: owners, children, and the column each node is in (top to bottom)
  const moves = useMemo(() => {
    const parents = new Map<string, string>();
    const children = new Map<string, string>();
    for (const e of model.edges) {
      if (!parents.has(e.to)) parents.set(e.to, e.from);
      if (!children.has(e.from)) children.set(e.from, e.to);
    }
    const columns = new Map<number, string[]>();
    for (const [id, p] of placed.positions) {
      const column = columns.get(p.x);
      if (column) column.push(id);
      else columns.set(p.x, [id]);
    }
    const above = new Map<string, string>();
    const below = new Map<string, string>();
    for (const column of columns.values()) {
      column.sort((a, b) => placed.positions.get(a)!.y - placed.positions.get(b)!.y);
      column.forEach((id, i) => {
        if (i > 0) above.set(id, column[i - 1]);
        if (i < column.length - 1) below.set(id, column[i + 1]);
      });
    }
    const byKey: Partial<Record<string, Map<string, string>>> = { ArrowLeft: parents, ArrowRight: children, ArrowUp: above, ArrowDown: below };
    return byKey;
  }, [model, placed]);

  const open = useCallback(
    (id: string) => {
      const o = model.objects.get(id);
      if (o) onSelect(o.node);
    },
    [model, onSelect],
  );

  /** focuses a node, bringing it into view (and so into the DOM) first when it is not */
  const focusNode = useCallback(
    (id: string) => {
      const el = () => box.current?.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`);
      const p = placed.positions.get(id);
      const inView = el();
      if (!inView && p) void flow.setCenter(p.x + NODE_W / 2, p.y + NODE_H / 2, { zoom: flow.getZoom() });
      let tries = 0;
      const attempt = () => {
        const found = el();
        if (found) found.focus();
        else if (tries++ < 30) requestAnimationFrame(attempt);
      };
      attempt();
    },
    [flow, placed],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const id = (e.target as HTMLElement).closest<HTMLElement>('.react-flow__node')?.dataset.id;
    if (!id) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open(id);
      return;
    }
    const next = moves[e.key]?.get(id);
    if (moves[e.key]) e.preventDefault();
    if (next) focusNode(next);
  };

  // the opening view, once the tree is in and React Flow's viewport is set up: the box's size decides it
  const [ready, setReady] = useState(false);
  const [opened, setOpened] = useState(false);
  useLayoutEffect(() => {
    if (opened || !ready || !tree || !box.current) return;
    void flow.setViewport(openingViewport(box.current.clientWidth, box.current.clientHeight, placed));
    setOpened(true);
  }, [opened, ready, tree, placed, flow]);

  // the moment the graph is on screen: nodes in view painted visible, and edges drawn between them
  const reported = useRef<GraphLayout | null>(null);
  useEffect(() => {
    if (!onRendered || !opened || reported.current === placed) return;
    let frame = 0;
    const check = () => {
      const root = box.current;
      const shown = root?.querySelectorAll('.react-flow__node').length ?? 0;
      const hidden = root?.querySelector('.react-flow__node[style*="visibility: hidden"]');
      const drawn = !edges.length || (root?.querySelectorAll('.react-flow__edge').length ?? 0) > 0;
      if (shown > 0 && !hidden && drawn) {
        reported.current = placed;
        // after the paint of this frame
        setTimeout(() => onRendered(placed), 0);
      } else frame = requestAnimationFrame(check);
    };
    frame = requestAnimationFrame(check);
    return () => cancelAnimationFrame(frame);
  }, [placed, edges, onRendered, opened]);

  return (
    <div className="graph" ref={box} onKeyDown={onKeyDown} data-testid="graph">
      <SelectedKey.Provider value={selected}>
        <ReactFlow<GraphNode, GraphEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
          onNodeClick={(_, n) => open(n.id)}
          onlyRenderVisibleElements
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          edgesFocusable={false}
          deleteKeyCode={null}
          panOnScroll
          zoomOnScroll={false}
          minZoom={0.2}
          maxZoom={1.5}
          defaultViewport={{ x: PAD, y: PAD, zoom: 1 }}
          onInit={() => setReady(true)}
          aria-label={`resources of ${application} on ${cluster}/${namespace} as a graph`}
          ariaLabelConfig={{
            'node.a11yDescription.default': 'Press Enter to open the object, arrow keys to move to its owner, a child, or the next in its column.',
          }}
        >
          <Background gap={24} />
          <Controls showInteractive={false} />
        </ReactFlow>
        {tree ? null : (
          <div className="graph-loading">
            <Loading what="the resource tree" />
          </div>
        )}
      </SelectedKey.Provider>
    </div>
  );
}

function graphNode(id: string, data: NodeData, layout: GraphLayout, ariaLabel: string, node?: TreeNode): GraphNode {
  return {
    id,
    type: 'object',
    position: layout.positions.get(id) ?? { x: 0, y: 0 },
    data,
    width: NODE_W,
    height: NODE_H,
    handles: HANDLES,
    ariaLabel,
    // an object opens on Enter; the application's node is where the walk starts
    ...(node ? { ariaRole: 'button' as const } : {}),
    domAttributes: (node ? { 'data-kind': node.kind, 'data-name': node.name } : { 'data-kind': 'Application', 'data-name': data.title }) as GraphNode['domAttributes'],
  };
}
