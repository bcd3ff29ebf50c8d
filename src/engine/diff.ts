// Normalisation and field diffs. The engine compares the server's dry-run answer with the live
// object: both come from the same server, so defaults it adds appear on both sides and only what
// the apply would change remains — after removing the fields the server changes on every write.
import { SERVER_OWNED_METADATA, type KubeObject } from './objects';

export interface FieldChange {
  /** dotted path, array indices in brackets: `spec.template.spec.containers[0].image` */
  path: string;
  live?: unknown;
  desired?: unknown;
  /** git and the cluster differ here, but a drift rule leaves the field alone: not applied, not drift */
  ignored?: true;
}

export const MASK = '***';

/** A copy without server-owned fields: status, managed fields, versions, timestamps. */
export function normalize(obj: KubeObject): KubeObject {
  const out: KubeObject = structuredClone(obj);
  delete out.status;
  for (const f of SERVER_OWNED_METADATA) delete out.metadata[f];
  if (out.metadata.annotations && Object.keys(out.metadata.annotations).length === 0) delete out.metadata.annotations;
  return out;
}

/** Field-level differences of two normalised objects; empty when they are equal. */
export function diffObjects(live: unknown, desired: unknown, path = ''): FieldChange[] {
  if (deepEqual(live, desired)) return [];
  if (isPlainObject(live) && isPlainObject(desired)) {
    const keys = [...new Set([...Object.keys(live), ...Object.keys(desired)])].sort();
    return keys.flatMap((k) => diffObjects(live[k], desired[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(live) && Array.isArray(desired) && live.length === desired.length) {
    return live.flatMap((v, i) => diffObjects(v, desired[i], `${path}[${i}]`));
  }
  const change: FieldChange = { path };
  if (live !== undefined) change.live = live;
  if (desired !== undefined) change.desired = desired;
  return [change];
}

/** Hides Secret values (and any last-applied copy of them) before a diff or object leaves the engine. */
export function maskSecretChanges(kind: string, changes: FieldChange[]): FieldChange[] {
  if (kind !== 'Secret') return changes;
  return changes.map((c) => {
    if (!/^(data|stringData)\b|last-applied-configuration/.test(c.path)) return c;
    const masked: FieldChange = { path: c.path };
    if (c.live !== undefined) masked.live = maskValue(c.live);
    if (c.desired !== undefined) masked.desired = maskValue(c.desired);
    return masked;
  });
}

export function maskSecret(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret') return obj;
  const out = structuredClone(obj);
  for (const f of ['data', 'stringData']) if (out[f]) out[f] = maskValue(out[f]);
  const annotations = out.metadata.annotations;
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration']) annotations['kubectl.kubernetes.io/last-applied-configuration'] = MASK;
  return out;
}

function maskValue(v: unknown): unknown {
  if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).map((k) => [k, MASK]));
  return MASK;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
