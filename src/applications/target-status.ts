// Turning engine results into what a target shows: per-resource sync and health, a one-line
// message, and the target's sync status. Pure functions.
import { describeRef, refKey, type ChangeSetEntry, type DriftEntry, type HealthReport, type Inventory } from '../engine';
import type { ResourceStatus, SyncStatus } from './target.entity';

export function errorMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 2000);
}

/** Resources after a run: the inventory with each object's health, failures marked OutOfSync. */
export function resourcesAfterRun(inventory: Inventory, changes: readonly ChangeSetEntry[], health: HealthReport): ResourceStatus[] {
  const failed = new Map(changes.filter((c) => c.action === 'failed').map((c) => [refKey(c.ref), c.message]));
  const healthBy = new Map(health.resources.map((r) => [refKey(r.ref), r]));
  const refs = [...inventory, ...changes.filter((c) => c.action === 'failed' && !inventory.some((i) => refKey(i) === refKey(c.ref))).map((c) => c.ref)];
  return refs.map((ref) => {
    const key = refKey(ref);
    const h = healthBy.get(key);
    const problem = failed.get(key);
    return {
      ...ref,
      sync: failed.has(key) ? 'OutOfSync' : 'Synced',
      health: h?.status ?? (failed.has(key) ? 'Missing' : 'Healthy'),
      ...((problem ?? h?.message) ? { message: problem ?? h?.message } : {}),
    };
  });
}

/** Resources after a check: drifted ones OutOfSync with what changed, health as read. */
export function resourcesAfterCheck(inventory: Inventory, drift: readonly DriftEntry[], health: HealthReport): ResourceStatus[] {
  const drifted = new Map(drift.map((d) => [refKey(d.ref), d]));
  const healthBy = new Map(health.resources.map((r) => [refKey(r.ref), r]));
  return inventory.map((ref) => {
    const key = refKey(ref);
    const d = drifted.get(key);
    const h = healthBy.get(key);
    const message = d?.message ?? h?.message;
    return { ...ref, sync: d ? 'OutOfSync' : 'Synced', health: h?.status ?? 'Unknown', ...(message ? { message } : {}) };
  });
}

/** Resources in report-only mode: what a sync would do to each, OutOfSync where it would change something. */
export function resourcesAfterReport(inventory: Inventory, changes: readonly ChangeSetEntry[], health: HealthReport): ResourceStatus[] {
  const byRef = new Map(changes.map((c) => [refKey(c.ref), c]));
  const healthBy = new Map(health.resources.map((r) => [refKey(r.ref), r]));
  const known = new Set(inventory.map(refKey));
  const refs = [...inventory, ...changes.filter((c) => (c.action === 'created' || c.action === 'failed') && !known.has(refKey(c.ref))).map((c) => c.ref)];
  return refs.map((ref) => {
    const key = refKey(ref);
    const c = byRef.get(key);
    const h = healthBy.get(key);
    const pending = c && c.action !== 'unchanged' && c.action !== 'skipped';
    const message = pending ? pendingText(c) : h?.message;
    return { ...ref, sync: pending ? 'OutOfSync' : 'Synced', health: h?.status ?? 'Missing', ...(message ? { message } : {}) };
  });
}

function pendingText(c: ChangeSetEntry): string {
  if (c.action === 'configured')
    return `would change ${
      (c.diff ?? [])
        .filter((d) => !d.ignored)
        .map((d) => d.path)
        .join(', ') || 'fields'
    }`;
  if (c.action === 'failed') return c.message ?? 'would fail';
  return `would be ${c.action}`;
}

/** A report-only target's message: what a sync would do (nothing is applied). */
export function wouldChangeMessage(changes: readonly ChangeSetEntry[], counts: Record<string, number>): string {
  const shown = changes.filter((c) => c.action !== 'unchanged' && c.action !== 'skipped');
  const listed = shown
    .slice(0, 3)
    .map((c) => `${describeRef(c.ref)}: ${pendingText(c)}`)
    .join('; ');
  return `would change (syncPolicy.mode reportOnly: nothing is applied): ${counts.created} to create, ${counts.configured} to configure, ${counts.pruned} to prune${counts.failed ? `, ${counts.failed} failing` : ''} — ${listed}${shown.length > 3 ? '; …' : ''}`;
}

export function driftMessage(drift: readonly DriftEntry[]): string {
  const shown = drift
    .slice(0, 3)
    .map((d) => d.message)
    .join('; ');
  return drift.length > 3 ? `${drift.length} objects drifted from git: ${shown}; …` : shown;
}

/** One line for a run's end: what failed, or the counts. */
export function runMessage(changes: readonly ChangeSetEntry[], counts: Record<string, number>, interrupted: boolean): string {
  if (interrupted) return 'interrupted before it finished; it will be run again';
  const failed = changes.filter((c) => c.action === 'failed');
  if (failed.length) {
    const shown = failed
      .slice(0, 3)
      .map((c) => `${describeRef(c.ref)}: ${c.message ?? 'failed'}`)
      .join('; ');
    return `${failed.length} of ${changes.length} objects failed: ${shown}${failed.length > 3 ? '; …' : ''}`;
  }
  return `created ${counts.created}, configured ${counts.configured}, unchanged ${counts.unchanged}, pruned ${counts.pruned}`;
}

export function syncAfterRun(ok: boolean): SyncStatus {
  return ok ? 'Synced' : 'OutOfSync';
}
