// Drift rules (issue 26): fields something else owns on purpose — an HPA's spec.replicas, a
// webhook's caBundle, an operator's annotation — are left alone in the diff, in drift detection
// and at apply time. A rule names objects (group, kind, name, namespace; `*` globs) and fields:
// JSON pointers (RFC 6901), or field managers whose every field in managedFields is theirs.
// Objects add pointers of their own with annotation `flotilla.io/ignore-differences` in git.
//
// At apply time an existing object is applied without what it must not touch: each ignored
// field git sets is left out when another manager owns it (that manager keeps it, Flotilla
// neither overwrites nor claims it, no conflict) or when the live object lacks it; a field only
// Flotilla owns is sent with its live value instead, because leaving out a field one owns alone
// makes server-side apply delete it. A new object is applied as git says.
import { glob, parsePointer, pointerProblem, type IgnoreRule } from '../shared/ignore-rules';
import { deepEqual, type FieldChange } from './diff';
import type { KubeObject, ObjectRef } from './objects';

export const IGNORE_DIFFERENCES_ANNOTATION = 'flotilla.io/ignore-differences';

export type { IgnoreRule };

/**
 * One step of a field path: a map key (a numeric string also indexes a list, as in a JSON
 * pointer), a list index, a list item by its key fields (`k:` in managedFields), a set item by
 * value (`v:`).
 */
export type Segment = string | number | { key: Record<string, unknown> } | { value: unknown };
export type FieldPath = readonly Segment[];
/** a path as found in one object: keys and indices only */
type Concrete = ReadonlyArray<string | number>;

/** The rules that apply to an object. */
export function rulesFor(rules: readonly IgnoreRule[], ref: ObjectRef): IgnoreRule[] {
  return rules.filter(
    (r) =>
      glob(r.kind, ref.kind) &&
      (r.group === undefined || glob(r.group, ref.group)) &&
      (r.name === undefined || glob(r.name, ref.name)) &&
      (r.namespace === undefined || (ref.namespace !== undefined && glob(r.namespace, ref.namespace))),
  );
}

/**
 * The fields to leave alone on one object: the matching rules' pointers, the pointers of its own
 * annotation, and every field a matching manager owns in the live object (never Flotilla's own).
 * Throws naming the annotation when it holds something that is not a JSON pointer.
 */
export function ignoredFields(rules: readonly IgnoreRule[], desired: KubeObject, ref: ObjectRef, live: KubeObject | undefined, fieldManager: string): FieldPath[] {
  const paths: FieldPath[] = [];
  const matching = rulesFor(rules, ref);
  for (const r of matching) for (const p of r.jsonPointers ?? []) paths.push(parsePointer(p));
  const annotation = desired.metadata?.annotations?.[IGNORE_DIFFERENCES_ANNOTATION];
  if (typeof annotation === 'string') {
    for (const p of annotation
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const problem = pointerProblem(p);
      if (problem) throw new Error(`annotation ${IGNORE_DIFFERENCES_ANNOTATION}: ${problem}`);
      paths.push(parsePointer(p));
    }
  }
  const managers = matching.flatMap((r) => r.managedFieldsManagers ?? []);
  if (managers.length && live) {
    for (const f of managedFields(live)) {
      if (!f.manager || f.manager === fieldManager || f.subresource === 'status') continue;
      if (managers.some((m) => glob(m, f.manager!))) paths.push(...fieldsOf(f.fieldsV1));
    }
  }
  return paths;
}

/**
 * The object to apply over `live`: every ignored field git sets is left out when another manager
 * owns it (or a field above it) or the live object lacks it, and carries its live value when only
 * Flotilla owns it. Everything else is as git says.
 */
export function withoutIgnored(desired: KubeObject, live: KubeObject, ignored: readonly FieldPath[], fieldManager: string): KubeObject {
  const out = structuredClone(desired);
  const others = ownedByOthers(live, fieldManager);
  const decisions = leavesOf(out, ignored).map((leaf) => {
    const there = locate(live, leaf.path);
    const current = there ? valueAt(live, there) : undefined;
    const keep = current !== undefined && !others.some((o) => isPrefix(o, there!));
    return { at: leaf.at, keep, current };
  });
  // last first: removing a list item must not move the items still to be looked at
  for (const d of decisions.sort((a, b) => compareConcrete(a.at, b.at)).reverse()) {
    if (d.keep) setAt(out, d.at, structuredClone(d.current));
    else removeAt(out, d.at);
  }
  return out;
}

/** Where git and the cluster differ on ignored fields: shown as ignored, never applied. */
export function ignoredChanges(desired: KubeObject, live: KubeObject, ignored: readonly FieldPath[]): FieldChange[] {
  const seen = new Set<string>();
  const out: FieldChange[] = [];
  for (const leaf of leavesOf(desired, ignored)) {
    const path = dotted(leaf.at);
    const wanted = valueAt(desired, leaf.at);
    const there = locate(live, leaf.path);
    const current = there ? valueAt(live, there) : undefined;
    if (seen.has(path) || deepEqual(wanted, current)) continue;
    seen.add(path);
    out.push({ path, ...(current !== undefined ? { live: current } : {}), desired: wanted, ignored: true });
  }
  return out;
}

/** The ignored fields as they are found in `obj`, in the dotted form of field changes. */
export function ignoredPaths(obj: KubeObject, ignored: readonly FieldPath[]): string[] {
  return ignored
    .map((p) => locate(obj, p))
    .filter((c): c is Concrete => !!c)
    .map(dotted);
}

/** Whether a field change's dotted path is one of `paths` or inside one. */
export function underAny(path: string, paths: readonly string[]): boolean {
  return paths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

interface ManagedField {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

function managedFields(o: KubeObject): ManagedField[] {
  const f = o.metadata?.managedFields;
  return Array.isArray(f) ? (f as ManagedField[]) : [];
}

/**
 * The fields a `fieldsV1` set names: every leaf (`{}`) and every item owned as such (`.`).
 * `f:name` is a map key, `k:{…}` a list item by its keys, `v:…` a set item, `i:N` an index.
 */
export function fieldsOf(fieldsV1: unknown): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (node: unknown, prefix: Segment[]): void => {
    if (!node || typeof node !== 'object') return;
    const keys = Object.keys(node);
    if (!keys.length) {
      if (prefix.length) out.push(prefix);
      return;
    }
    for (const k of keys) {
      if (k === '.') {
        if (prefix.length) out.push(prefix);
        continue;
      }
      const seg = segmentOf(k);
      if (seg !== undefined) walk((node as Record<string, unknown>)[k], [...prefix, seg]);
    }
  };
  walk(fieldsV1, []);
  return out;
}

function segmentOf(k: string): Segment | undefined {
  const body = k.slice(2);
  try {
    if (k.startsWith('f:')) return body;
    if (k.startsWith('i:') && /^\d+$/.test(body)) return Number(body);
    if (k.startsWith('k:')) {
      const key = JSON.parse(body);
      return key && typeof key === 'object' && !Array.isArray(key) ? { key } : undefined;
    }
    if (k.startsWith('v:')) return { value: JSON.parse(body) };
  } catch {
    return undefined;
  }
  return undefined;
}

/** Fields managers other than Flotilla own in `live` (status writers aside), as found there. */
function ownedByOthers(live: KubeObject, fieldManager: string): Concrete[] {
  return managedFields(live)
    .filter((f) => f.manager && f.manager !== fieldManager && f.subresource !== 'status')
    .flatMap((f) => fieldsOf(f.fieldsV1))
    .map((p) => locate(live, p))
    .filter((c): c is Concrete => !!c);
}

/** The path as found in `obj`: keys and indices; undefined when something on the way is missing. */
function locate(obj: unknown, path: FieldPath): Concrete | undefined {
  const out: Array<string | number> = [];
  let node: unknown = obj;
  for (const seg of path) {
    let step: string | number | undefined;
    if (Array.isArray(node)) {
      if (typeof seg === 'number') step = seg;
      else if (typeof seg === 'string') step = /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : undefined;
      else if ('key' in seg) step = indexWhere(node, (item) => isObject(item) && Object.entries(seg.key).every(([k, v]) => deepEqual(item[k], v)));
      else step = indexWhere(node, (item) => deepEqual(item, seg.value));
      if (step === undefined || step >= node.length) return undefined;
      node = node[step];
    } else if (isObject(node)) {
      if (typeof seg !== 'string' && typeof seg !== 'number') return undefined;
      step = String(seg);
      if (!Object.prototype.hasOwnProperty.call(node, step)) return undefined;
      node = node[step];
    } else {
      return undefined;
    }
    out.push(step);
  }
  return out;
}

function indexWhere(list: unknown[], f: (item: unknown) => boolean): number | undefined {
  const i = list.findIndex(f);
  return i < 0 ? undefined : i;
}

/**
 * The leaves of `obj` at and below the paths: maps are walked into, anything else (lists too) is
 * one leaf — each as a path to find in another object (`path`) and as found in this one (`at`).
 */
function leavesOf(obj: unknown, paths: readonly FieldPath[]): Array<{ path: FieldPath; at: Concrete }> {
  const out: Array<{ path: FieldPath; at: Concrete }> = [];
  const walk = (path: FieldPath, at: Concrete): void => {
    const value = valueAt(obj, at);
    if (!isObject(value) || !Object.keys(value).length) out.push({ path, at });
    else for (const k of Object.keys(value)) walk([...path, k], [...at, k]);
  };
  for (const p of paths) {
    const at = locate(obj, p);
    if (at) walk(p, at);
  }
  return out;
}

/** a map or a list, indexed by a step of a Concrete path */
type Container = Record<string | number, unknown>;

function valueAt(obj: unknown, path: Concrete): unknown {
  let node: unknown = obj;
  for (const step of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (Array.isArray(node) !== (typeof step === 'number')) return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, step)) return undefined;
    node = (node as Container)[step];
  }
  return node;
}

function setAt(obj: unknown, path: Concrete, value: unknown): void {
  const parent = valueAt(obj, path.slice(0, -1));
  if (parent && typeof parent === 'object') (parent as Container)[path[path.length - 1]] = value;
}

/** Removes the field, and the maps above it it leaves empty (never the object's top level or metadata). */
function removeAt(obj: unknown, path: Concrete): void {
  const parent = valueAt(obj, path.slice(0, -1));
  if (!parent || typeof parent !== 'object') return;
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete (parent as Container)[last];
  const above = path.slice(0, -1);
  if (above.length && !(above.length === 1 && above[0] === 'metadata') && isObject(parent) && !Object.keys(parent).length) removeAt(obj, above);
}

function compareConcrete(a: Concrete, b: Concrete): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return typeof a[i] === 'number' && typeof b[i] === 'number' ? (a[i] as number) - (b[i] as number) : String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return a.length - b.length;
}

function isPrefix(prefix: Concrete, path: Concrete): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}

/** `spec.template.spec.containers[0].image`, as field changes name paths */
function dotted(path: Concrete): string {
  return path.reduce<string>((s, step) => (typeof step === 'number' ? `${s}[${step}]` : s ? `${s}.${step}` : step), '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
