// One step of a rollout, pure: given what the targets look like now, move the rollout on —
// release targets of the current wave (at most maxParallel in flight), complete a wave when all
// of its targets are Synced at the rollout's SHA and Healthy as observed after their own run,
// for soakSeconds; halt (or roll back) on a failed run, Degraded health, or a target unreachable
// for too long. The controller stores the result, releases the targets it names and sends the
// events. Nothing here reads a clock or a database, so every rule is unit-tested.
import type { RolloutEventType } from '../../channels/rollout-event';
import type { HealthStatus } from '../../engine';
import type { RunPhase } from '../sync-run.entity';
import type { SyncStatus } from '../target.entity';
import type { Rollout, RolloutTarget, WaveProgress } from './rollout.entity';
import { parallelLimit, waveSpec, type WaveMember } from './waves';

/** A target as its row and last run show it now. */
export interface TargetObservation {
  revision: string | null;
  sync: SyncStatus;
  health: HealthStatus;
  message: string | null;
  lastRun: { id: number; phase: RunPhase; revision: string | null; message: string | null } | null;
  /** its cluster answers (phase Connected, and the target's last contact did not fail for the cluster) */
  reachable: boolean;
  unreachableReason?: string;
}

export interface StepContext {
  now: number;
  /** the waves' members now, in release order (from assignWaves) */
  membership: { name: string; members: WaveMember[] }[];
  observe(cluster: string, namespace: string): TargetObservation | undefined;
  /** automated syncs are allowed now (sync windows) */
  window: { allowed: boolean; reason: string | null };
}

export interface Release {
  cluster: string;
  namespace: string;
  /** the SHA it may now hold */
  revision: string;
  rollback: boolean;
}

export interface Happening {
  type: RolloutEventType;
  wave?: string;
  target?: { cluster: string; namespace: string };
  reason?: string;
}

export interface StepResult {
  releases: Release[];
  happenings: Happening[];
}

type Step = Pick<Rollout, 'revision' | 'state' | 'spec' | 'waves' | 'message' | 'haltedTarget' | 'finishedAt'>;

const where = (t: { cluster: string; namespace: string }) => `${t.cluster}/${t.namespace}`;

export function stepRollout(r: Step, ctx: StepContext): StepResult {
  const out: StepResult = { releases: [], happenings: [] };
  merge(r, ctx);
  if (r.state === 'Superseded' || r.state === 'RolledBack') return out;
  if (r.state === 'RollingBack') {
    rollBack(r, ctx, out);
    return out;
  }
  for (const w of r.waves) if (w.startedAt !== null) for (const t of w.targets) observeForward(r, t, ctx);
  if (r.state === 'Halted') return out; // nothing more moves, not even a target that joins
  const paused = r.state === 'Paused';
  // targets that joined a wave already done go at once: the wave's gate is behind them
  if (!paused) for (const w of r.waves) if (w.state === 'Completed') for (const t of w.targets) if (t.state === 'Waiting' && t.releasedAt === null) release(r, t, ctx, out);
  if (r.state === 'Completed') return out;
  for (const w of r.waves) {
    if (w.state === 'Completed') continue;
    const spec = waveSpec(r.spec, w.name);
    if (w.state === 'Pending' || w.state === 'AwaitingApproval') {
      if (paused) return out;
      if (spec.approval && !w.approvedBy) {
        w.state = 'AwaitingApproval';
        r.state = 'AwaitingApproval';
        r.message = `wave "${w.name}" waits for approval (POST …/rollout/approve)`;
        if (!w.announced) {
          w.announced = true;
          out.happenings.push({ type: 'RolloutAwaitingApproval', wave: w.name });
        }
        return out;
      }
      // a wave with nobody to move (empty, or every target already skipped) needs no window
      if (!ctx.window.allowed && w.targets.some((t) => t.state === 'Waiting')) {
        r.message = `wave "${w.name}" waits for the sync window: ${ctx.window.reason ?? 'sync is not allowed now'}`;
        return out;
      }
      w.state = 'Progressing';
      w.startedAt = ctx.now;
      r.state = 'Progressing';
      r.message = null;
      out.happenings.push({ type: 'WaveStarted', wave: w.name });
    }
    // Progressing or Soaking
    for (const t of w.targets) {
      if (t.state === 'Failed') return halt(r, w, t, t.message ?? 'its sync failed', ctx, out);
      if (t.state === 'Unreachable' && t.unreachableSince !== null && ctx.now - t.unreachableSince >= r.spec.unreachableSeconds * 1000) {
        const why = `unreachable for more than ${r.spec.unreachableSeconds}s${t.message ? ` (${t.message})` : ''}`;
        if (r.spec.unreachable === 'halt') return halt(r, w, t, why, ctx, out);
        t.state = 'Skipped';
        t.message = `skipped: ${why}`;
      }
    }
    if (!paused) {
      const limit = parallelLimit(spec.maxParallel, w.targets.length);
      let inFlight = w.targets.filter((t) => t.releasedAt !== null && (t.state === 'Syncing' || t.state === 'Unreachable')).length;
      for (const t of w.targets) {
        if (inFlight >= limit) break;
        if (t.state !== 'Waiting' || t.releasedAt !== null) continue;
        release(r, t, ctx, out);
        inFlight++;
      }
    }
    const counted = w.targets.filter((t) => t.state !== 'Skipped');
    if (!counted.every((t) => t.state === 'Healthy')) {
      if (w.state === 'Soaking') {
        w.state = 'Progressing';
        w.soakStartedAt = null;
      }
      return out;
    }
    if (w.state !== 'Soaking') {
      w.state = 'Soaking';
      w.soakStartedAt = ctx.now;
    }
    // an empty wave (or one whose targets were all skipped) has nothing to soak
    if (ctx.now - w.soakStartedAt! < spec.soakSeconds * 1000 && !w.promotedBy && counted.length > 0) return out;
    w.state = 'Completed';
    w.finishedAt = ctx.now;
    out.happenings.push({ type: 'WaveCompleted', wave: w.name });
  }
  r.state = 'Completed';
  r.finishedAt = ctx.now;
  r.message = null;
  out.happenings.push({ type: 'RolloutCompleted' });
  return out;
}

/** Starts rolling back (onFailure: rollback, or abort): moved targets go back, latest wave first. */
export function startRollback(r: Step, message: string): void {
  r.state = 'RollingBack';
  r.message = message;
}

/**
 * The waves' target lists follow the fan-out: targets that joined are added (Waiting) in release
 * order, targets that left are dropped, and a target keeps its place once it has one.
 */
function merge(r: Step, ctx: StepContext): void {
  const placed = new Map<string, RolloutTarget>();
  for (const w of r.waves) for (const t of w.targets) placed.set(where(t), t);
  const current = new Set(ctx.membership.flatMap((m) => m.members.map(where)));
  for (const w of r.waves) {
    const members = ctx.membership.find((m) => m.name === w.name)?.members ?? [];
    const kept = w.targets.filter((t) => current.has(where(t)));
    for (const m of members) {
      if (placed.has(where(m))) continue;
      const t: RolloutTarget = {
        cluster: m.cluster,
        namespace: m.namespace,
        state: 'Waiting',
        from: null,
        releasedAt: null,
        afterRunId: null,
        unreachableSince: null,
        message: null,
      };
      placed.set(where(m), t);
      kept.push(t);
    }
    // release order: the wave's order now (a joining target takes its place, not the end)
    const order = new Map(members.map((m, i) => [where(m), i]));
    w.targets = kept
      .map((t, i) => ({ t, i }))
      .sort((a, b) => (order.get(where(a.t)) ?? Infinity) - (order.get(where(b.t)) ?? Infinity) || a.i - b.i)
      .map((x) => x.t);
  }
}

function release(r: Step, t: RolloutTarget, ctx: StepContext, out: StepResult): void {
  const o = ctx.observe(t.cluster, t.namespace);
  t.state = 'Syncing';
  t.releasedAt = ctx.now;
  // released again after a resume: what it held before the rollout is still what a rollback restores
  t.from ??= o?.revision ?? null;
  t.afterRunId = o?.lastRun?.id ?? null;
  t.message = null;
  out.releases.push({ cluster: t.cluster, namespace: t.namespace, revision: r.revision, rollback: false });
}

/** Where a released target stands: only its own run after the release counts, never older health. */
function observeForward(r: Step, t: RolloutTarget, ctx: StepContext): void {
  if (t.releasedAt === null || t.state === 'Skipped') return;
  const o = ctx.observe(t.cluster, t.namespace);
  if (!o) return;
  if (!o.reachable) {
    t.unreachableSince ??= ctx.now;
    t.state = 'Unreachable';
    t.message = o.unreachableReason ?? 'the cluster does not answer';
    return;
  }
  t.unreachableSince = null;
  const run = o.lastRun;
  const fresh = run !== null && run.id > (t.afterRunId ?? 0) && run.revision === r.revision;
  if (!fresh || run.phase === 'Running' || run.phase === 'Interrupted') {
    t.state = 'Syncing';
    t.message = fresh ? `run #${run.id} ${run.phase.toLowerCase()}` : 'waiting for its sync run';
    return;
  }
  if (run.phase === 'Failed' || run.phase === 'Blocked') {
    t.state = 'Failed';
    t.message = `run #${run.id} ${run.phase === 'Failed' ? 'failed' : 'was blocked'}: ${run.message ?? 'no message'}`;
    return;
  }
  if (o.health === 'Degraded') {
    t.state = 'Failed';
    t.message = `Degraded${o.message ? `: ${o.message}` : ''}`;
    return;
  }
  if (o.revision === r.revision && o.sync === 'Synced' && o.health === 'Healthy') {
    t.state = 'Healthy';
    t.message = null;
    return;
  }
  t.state = 'Syncing';
  t.message = `${o.sync}, ${o.health}`;
}

function halt(r: Step, w: WaveProgress, t: RolloutTarget, reason: string, ctx: StepContext, out: StepResult): StepResult {
  const message = `${where(t)} in wave "${w.name}": ${reason}`;
  r.haltedTarget = { cluster: t.cluster, namespace: t.namespace };
  w.state = 'Halted';
  out.happenings.push({ type: 'RolloutHalted', wave: w.name, target: { cluster: t.cluster, namespace: t.namespace }, reason: message });
  if (r.spec.onFailure === 'rollback') {
    startRollback(r, `halted: ${message}; rolling back`);
    rollBack(r, ctx, out);
  } else {
    r.state = 'Halted';
    r.message = `halted: ${message}`;
  }
  return out;
}

/**
 * Puts every moved target back to the revision it held, the latest wave first: a wave's targets
 * are released back together, and the next earlier wave goes once they all run the old revision.
 */
function rollBack(r: Step, ctx: StepContext, out: StepResult): void {
  for (let i = r.waves.length - 1; i >= 0; i--) {
    const w = r.waves[i];
    if (w.state === 'Pending' || w.state === 'AwaitingApproval' || w.state === 'RolledBack') continue;
    if (!w.targets.some((t) => t.releasedAt !== null)) {
      w.state = 'RolledBack';
      w.finishedAt = ctx.now;
      continue;
    }
    w.state = 'RollingBack';
    let done = true;
    for (const t of w.targets) {
      if (t.releasedAt === null || t.state === 'RolledBack') continue;
      const o = ctx.observe(t.cluster, t.namespace);
      if (t.state !== 'RollingBack') {
        if (t.from === null || t.from === r.revision || !o) {
          t.state = 'RolledBack';
          t.message = !o ? 'left the fan-out' : t.from === null ? `held nothing before this rollout: left at ${r.revision.slice(0, 7)}` : null;
          continue;
        }
        t.state = 'RollingBack';
        t.releasedAt = ctx.now;
        t.afterRunId = o.lastRun?.id ?? null;
        t.message = `back to ${t.from.slice(0, 7)}`;
        out.releases.push({ cluster: t.cluster, namespace: t.namespace, revision: t.from, rollback: true });
        done = false;
        continue;
      }
      const run = o?.lastRun;
      if (o && run && run.id > (t.afterRunId ?? 0) && run.phase === 'Succeeded' && o.revision === t.from) {
        t.state = 'RolledBack';
        t.message = null;
      } else if (o && !o.reachable && (t.unreachableSince ??= ctx.now) <= ctx.now - r.spec.unreachableSeconds * 1000) {
        // a rollback never hangs on a dead cluster: it goes back to `from` when it answers again
        t.state = 'RolledBack';
        t.message = `unreachable for more than ${r.spec.unreachableSeconds}s: goes back to ${t.from!.slice(0, 7)} when it answers`;
      } else {
        done = false;
        if (o?.reachable) t.unreachableSince = null;
        if (o && !o.reachable) t.message = `back to ${t.from!.slice(0, 7)}: ${o.unreachableReason ?? 'the cluster does not answer'}`;
        else if (run && run.id > (t.afterRunId ?? 0) && (run.phase === 'Failed' || run.phase === 'Blocked'))
          t.message = `back to ${t.from!.slice(0, 7)}: run #${run.id} ${run.phase.toLowerCase()}, retrying: ${run.message ?? ''}`;
      }
    }
    if (!done) return;
    w.state = 'RolledBack';
    w.finishedAt = ctx.now;
  }
  r.state = 'RolledBack';
  r.finishedAt = ctx.now;
}
