// One target: the objects Flotilla applied there and their children by ownerReferences
// (Deployment → ReplicaSet → Pod, Job → Pod, Service → EndpointSlice), read from the cluster on
// demand, each with health (and sync for applied objects), as a graph (with Services linked to
// the Pods they select and Ingresses to their Services) or as an indented list. Selecting an
// object shows its live manifest and its diff against git. Both views draw only what is in view:
// a thousand objects cost what a screenful does. The list is the default (arrow keys walk it like
// a file tree, and it suits any size); the view chosen last is remembered.
import { type KeyboardEvent, lazy, Suspense, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { stringify } from 'yaml';
import { api, type Diff, must, type Tree, type TreeNode } from '../api/client';
import type { LiveEvent } from '../api/events';
import { FieldChanges, IGNORED_TITLE, ignoredCount, objectName } from '../components/Plan';
import type { GraphLayout } from '../components/graph/layout';
import { countObjects, keyOf } from '../components/graph/model';
import { ActionBadge, ErrorBox, HealthBadge, LiveBadge, Loading, SyncBadge } from '../components/Status';
import { ago } from '../format';
import { useDebounced, useEvents, useLoad, useVirtualRows } from '../hooks';
import { enc, Link } from '../router';

const ROW_H = 30;

// the graph (React Flow, dagre and React Flow's stylesheet) is a chunk of its own, fetched when
// the graph is first shown — from the moment this page opens when the graph is the remembered view
const loadGraph = () => import('../components/graph/ResourceGraph');
const ResourceGraph = lazy(loadGraph);

type View = 'graph' | 'list';
const VIEW_KEY = 'flotilla.targetView';
function rememberedView(): View {
  try {
    return localStorage.getItem(VIEW_KEY) === 'graph' ? 'graph' : 'list';
  } catch {
    return 'list';
  }
}

interface FlatNode {
  node: TreeNode;
  key: string;
  depth: number;
  hasChildren: boolean;
}

function flatten(nodes: TreeNode[], collapsed: Set<string>, depth = 0, out: FlatNode[] = []): FlatNode[] {
  for (const node of nodes) {
    const key = keyOf(node);
    out.push({ node, key, depth, hasChildren: node.children.length > 0 });
    if (node.children.length && !collapsed.has(key)) flatten(node.children, collapsed, depth + 1, out);
  }
  return out;
}

export function TargetTree({ application, cluster, namespace }: { application: string; cluster: string; namespace: string }) {
  const marks = useRef({ rendered: false });
  const tree = useLoad(async () => {
    const t = await must(api.GET('/api/v1/applications/{name}/targets/{cluster}/{namespace}/tree', { params: { path: { name: application, cluster, namespace } } }));
    if (!marks.current.rendered) performance.mark('tree:data');
    return t;
  }, [application, cluster, namespace]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<TreeNode | null>(null);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [view, setView] = useState<View>(rememberedView);
  useEffect(() => {
    if (view === 'graph') void loadGraph();
  }, [view]);
  const choose = (v: View) => {
    setView(v);
    try {
      localStorage.setItem(VIEW_KEY, v);
    } catch {
      // private windows may refuse: the choice lasts this page
    }
  };

  const reload = useDebounced(() => {
    tree.reload();
    setDiff(null);
  }, 1000);
  const onEvents = useCallback(
    (events: LiveEvent[]) => {
      if (events.some((e) => 'cluster' in e && e.cluster === cluster && 'namespace' in e && e.namespace === namespace)) reload();
    },
    [cluster, namespace, reload],
  );
  const live = useEvents(['target', 'run'], application, onEvents, reload);

  const flat = useMemo(() => (tree.data ? flatten(tree.data.nodes, collapsed) : []), [tree.data, collapsed]);

  useLayoutEffect(() => {
    if (!tree.data || marks.current.rendered || view !== 'list') return;
    marks.current.rendered = true;
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark('tree:rendered');
        performance.measure('tree:render', 'tree:data', 'tree:rendered');
      }, 0),
    );
  }, [tree.data, view]);
  // the graph says when it is on screen (its nodes measured and painted, edges drawn)
  const onGraphRendered = useCallback((layout: GraphLayout) => {
    if (marks.current.rendered) return;
    marks.current.rendered = true;
    performance.mark('graph:rendered');
    performance.measure('graph:render', { start: 'tree:data', end: 'graph:rendered', detail: { objects: layout.positions.size - 1, dagreRuns: layout.dagreRuns } });
  }, []);
  const selectedKey = selected ? keyOf(selected) : null;
  const detail = (
    <div className="detail">
      {!tree.data ? null : selected ? (
        <ObjectDetail application={application} cluster={cluster} namespace={namespace} node={selected} tree={tree.data} diff={diff} setDiff={setDiff} />
      ) : (
        <p className="muted">Select an object to see its live manifest and its diff against git.</p>
      )}
    </div>
  );

  const toggle = (key: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <section aria-labelledby="target-title">
      <nav className="crumbs" aria-label="breadcrumb">
        <Link to="/">Fleet</Link> / <Link to={`/applications/${enc(application)}`}>{application}</Link> /{' '}
        <span>
          {cluster}/{namespace}
        </span>
      </nav>
      <div className="toolbar">
        <h1 id="target-title">
          {application} on {cluster}/{namespace}
        </h1>
        <LiveBadge live={live} />
        <span className="spacer" />
        {tree.data ? (
          <span className="muted">
            read {ago(tree.data.readAt)} · {countObjects(tree.data)} objects
          </span>
        ) : null}
        <div className="segmented" role="group" aria-label="show the resources as">
          {(['graph', 'list'] as const).map((v) => (
            <button key={v} type="button" aria-pressed={view === v} onClick={() => choose(v)}>
              {v === 'graph' ? 'Graph' : 'List'}
            </button>
          ))}
        </div>
        <button type="button" onClick={() => tree.reload()} disabled={tree.loading}>
          Reload
        </button>
      </div>
      <ErrorBox error={tree.error} />
      {tree.error && !tree.data ? null : view === 'graph' ? (
        // the graph mounts (React Flow set up, the application's node drawn) while the tree loads
        <div className="split wide">
          {tree.data && !tree.data.nodes.length ? (
            <p className="muted">Nothing applied on this target yet.</p>
          ) : (
            <Suspense fallback={<Loading what="the graph" />}>
              <ResourceGraph
                tree={tree.data}
                application={application}
                cluster={cluster}
                namespace={namespace}
                selected={selectedKey}
                onSelect={setSelected}
                onRendered={onGraphRendered}
              />
            </Suspense>
          )}
          {detail}
        </div>
      ) : !tree.data ? (
        <Loading what="the resource tree" />
      ) : (
        <div className="split">
          <TreeList flat={flat} selected={selectedKey} onSelect={setSelected} onToggle={toggle} collapsed={collapsed} />
          {detail}
        </div>
      )}
    </section>
  );
}

function TreeList({
  flat,
  selected,
  onSelect,
  onToggle,
  collapsed,
}: {
  flat: FlatNode[];
  selected: string | null;
  onSelect: (n: TreeNode) => void;
  onToggle: (key: string) => void;
  collapsed: Set<string>;
}) {
  const { scroller, onScroll, first, last } = useVirtualRows<HTMLDivElement>(flat.length, ROW_H, 10, 600);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = Number((e.target as HTMLElement).dataset.i);
    if (!Number.isInteger(i)) return;
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      const f = flat[i];
      if (f?.hasChildren && collapsed.has(f.key) === (e.key === 'ArrowRight')) onToggle(f.key);
      e.preventDefault();
      return;
    }
    if (!step) return;
    e.preventDefault();
    const n = Math.max(0, Math.min(flat.length - 1, i + step));
    const box = scroller.current!;
    if (n * ROW_H < box.scrollTop) box.scrollTop = n * ROW_H;
    else if ((n + 1) * ROW_H > box.scrollTop + box.clientHeight) box.scrollTop = (n + 1) * ROW_H - box.clientHeight;
    requestAnimationFrame(() => box.querySelector<HTMLElement>(`[data-i="${n}"]`)?.focus());
  };

  if (!flat.length) return <p className="muted">Nothing applied on this target yet.</p>;
  return (
    <div className="tree" ref={scroller} onScroll={onScroll} onKeyDown={onKeyDown} role="tree" aria-label="resources" data-testid="tree">
      <div className="tree-inner" style={{ height: flat.length * ROW_H }}>
        {flat.slice(first, last).map((f, j) => {
          const i = first + j;
          const n = f.node;
          return (
            <div
              key={f.key}
              className={`tnode depth-${Math.min(f.depth, 6)}${selected === f.key ? ' selected' : ''}`}
              style={{ transform: `translateY(${i * ROW_H}px)` }}
              role="treeitem"
              aria-level={f.depth + 1}
              aria-expanded={f.hasChildren ? !collapsed.has(f.key) : undefined}
              aria-selected={selected === f.key}
              data-kind={n.kind}
              data-name={n.name}
            >
              {f.hasChildren ? (
                <button
                  type="button"
                  className="twisty"
                  onClick={() => onToggle(f.key)}
                  aria-label={`${collapsed.has(f.key) ? 'expand' : 'collapse'} ${n.kind} ${n.name}`}
                  tabIndex={-1}
                >
                  {collapsed.has(f.key) ? '▸' : '▾'}
                </button>
              ) : (
                <span className="twisty" aria-hidden="true" />
              )}
              <button type="button" className="tlabel" data-i={i} onClick={() => onSelect(n)}>
                <span className="kind">{n.kind}</span> {n.name}
              </button>
              <HealthBadge status={n.health} compact />
              {n.sync ? <SyncBadge status={n.sync} compact /> : null}
              {n.message ? (
                <span className="tmsg muted" title={n.message}>
                  {n.message}
                </span>
              ) : null}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function ObjectDetail({
  application,
  cluster,
  namespace,
  node,
  tree,
  diff,
  setDiff,
}: {
  application: string;
  cluster: string;
  namespace: string;
  node: TreeNode;
  tree: Tree;
  diff: Diff | null;
  setDiff: (d: Diff) => void;
}) {
  const key = keyOf(node);
  const applied = tree.nodes.some((n) => keyOf(n) === key);
  const live = useLoad(
    () =>
      must(
        api.GET('/api/v1/applications/{name}/targets/{cluster}/{namespace}/object', {
          params: {
            path: { name: application, cluster, namespace },
            query: { group: node.group, version: node.version, kind: node.kind, name: node.name, ...(node.namespace ? { namespace: node.namespace } : {}) },
          },
        }),
      ),
    [key, tree.readAt],
  );
  // the application's diff, read once per tree read and shared by every object of it
  const [diffError, setDiffError] = useState<string | null>(null);
  useEffect(() => {
    if (!applied || diff) return;
    let stale = false;
    must(api.GET('/api/v1/applications/{name}/diff', { params: { path: { name: application } } })).then(
      (d) => !stale && setDiff(d),
      (e: Error) => !stale && setDiffError(e.message),
    );
    return () => {
      stale = true;
    };
  }, [applied, diff, application, setDiff]);
  const targetDiff = diff?.targets.find((t) => t.cluster === cluster && t.namespace === namespace);
  const change = targetDiff?.changes.find(
    (c) => c.kind === node.kind && c.name === node.name && (c.group ?? '') === (node.group ?? '') && (c.namespace ?? '') === (node.namespace ?? ''),
  );

  return (
    <article aria-labelledby="obj-h" data-testid="object-detail">
      <h2 id="obj-h">{objectName(node)}</h2>
      <p>
        <HealthBadge status={node.health} /> {node.sync ? <SyncBadge status={node.sync} /> : <span className="muted">not applied by Flotilla (a child)</span>}
        {node.message ? <span className="muted"> — {node.message}</span> : null}
      </p>
      <h3>Diff against git</h3>
      {!applied ? (
        <p className="muted">Created in the cluster by its owner, not from git: nothing to compare.</p>
      ) : diffError ? (
        <ErrorBox error={diffError} />
      ) : !diff ? (
        <Loading what="the diff" />
      ) : targetDiff?.error ? (
        <ErrorBox error={targetDiff.error} />
      ) : change ? (
        <div data-testid="object-diff">
          <p>
            <ActionBadge action={change.action} /> {change.action === 'unchanged' ? 'the live object matches git' : (change.message ?? '')}
            {ignoredCount(change) ? (
              <span className="muted ignored" title={IGNORED_TITLE}>
                {' '}
                ({change.action === 'unchanged' ? 'apart from' : 'and'} {ignoredCount(change)} field{ignoredCount(change) === 1 ? '' : 's'} a drift rule leaves alone)
              </span>
            ) : null}
          </p>
          <FieldChanges change={change} />
        </div>
      ) : (
        <p className="muted">Not in git any more (it would be pruned, with prune on).</p>
      )}
      <h3>Live manifest</h3>
      {live.error ? (
        <ErrorBox error={live.error} />
      ) : !live.data ? (
        <Loading what="the live object" />
      ) : (
        <pre className="manifest" data-testid="manifest">
          {stringify(live.data, { lineWidth: 0 })}
        </pre>
      )}
    </article>
  );
}
