import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { LiveEvents } from '../events/live-events';
import type { Inventory } from '../engine';
import { Clock } from '../shared/clock';
import { leaseExpiry, PRIORITY, TRIGGER_PRIORITY, type Priority } from './queue-rules';
import type { SyncRun } from './sync-run.entity';
import { TargetRow, type Trigger } from './target.entity';

/** One target by its identity. */
export interface TargetKey {
  application: string;
  cluster: string;
  namespace: string;
}

/** Which targets a trigger is for: an application's (some of them), or a cluster's. */
export type TriggerScope = { application: string; cluster?: string; namespace?: string } | { cluster: string };

/** Which targets a check request is for: every column given must be equal (none given: none). */
export interface CheckScope {
  application?: string;
  cluster?: string;
  namespace?: string;
  health?: string;
}

export interface TriggerRequest {
  trigger: Trigger;
  actor: string;
  /** default: by trigger (TRIGGER_PRIORITY: manual, webhook, rollback first) */
  priority?: Priority;
  /** a manual sync's revision and prune override, for that run only */
  revision?: string | null;
  prune?: boolean | null;
  /** forget the backoff (a new revision, a person asking) */
  resetFailures?: boolean;
}

/** A target as the fan-out defines it (fan-out.ts): where, which path, and why it cannot be synced if it cannot. */
export interface TargetDefinition extends TargetKey {
  path: string;
  problem: string | null;
}

/**
 * What a look at a target or a run writes into its row: status, inventory, hook bookkeeping, and
 * a trigger kept for the next run. Never the identity, and never the lease or the due time: those
 * are the queue's, written only by claim, renew and release.
 */
export type TargetPatch = Partial<Omit<TargetRow, 'id' | 'application' | 'cluster' | 'namespace' | 'owner' | 'leaseExpiresAt' | 'dueAt'>>;

/** changes to these columns are what live-event subscribers (the UI) follow */
const SHOWN: ReadonlyArray<keyof TargetRow> = ['sync', 'health', 'revision', 'message'];

/**
 * The `targets` table and the only code that writes it: each row is a target (application,
 * cluster, namespace), its status, and its entry in the reconcile queue — due when `dueAt` has
 * passed, claimed by a lease (`owner`, `leaseExpiresAt`), carrying the trigger that arrived since
 * the last run. Each write is a named verb, so who changes a row and why is read here, and the
 * queue's order and timing come from queue-rules.ts.
 *
 * Verbs that belong to a larger change (a run's record with its audit entry, a fan-out with its
 * application) take the caller's transaction; the queue's own verbs open one. Reads the pipeline
 * needs are here too; the API's status pages read the table directly (application-views.ts).
 */
@Injectable()
export class Targets {
  /** this process's name on the leases it writes */
  readonly owner = `flotilla-${randomBytes(6).toString('hex')}`;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly events: LiveEvents,
  ) {}

  // ---------------------------------------------------------------- reads

  find(key: TargetKey): Promise<TargetRow | null> {
    return this.db.manager.findOneBy(TargetRow, { application: key.application, cluster: key.cluster, namespace: key.namespace });
  }

  /** An application's targets, leaving ones included, in the caller's transaction. */
  ofApplication(tx: EntityManager, application: string): Promise<TargetRow[]> {
    return tx.find(TargetRow, { where: { application } });
  }

  /** An application's targets that are in its fan-out (not leaving), by cluster and namespace. */
  active(application: string): Promise<TargetRow[]> {
    return this.db.manager.find(TargetRow, { where: { application, leaving: false }, order: { cluster: 'ASC', namespace: 'ASC' } });
  }

  /** What the application's other targets on a cluster hold: cluster-scoped objects there are shared. */
  async heldOn(application: string, cluster: string): Promise<Inventory[]> {
    const rows = await this.db.manager.find(TargetRow, { where: { application, cluster, leaving: false }, select: { inventory: true } });
    return rows.map((r) => r.inventory);
  }

  /** Whether an application has any target left, in the caller's transaction. */
  anyOf(tx: EntityManager, application: string): Promise<boolean> {
    return tx.existsBy(TargetRow, { application });
  }

  /**
   * Due targets not leased by anyone, most urgent first, at most `limit`, leaving out `fullClusters`
   * (at their per-cluster bound): a dispatch reads as many rows as it has free slots.
   */
  due(now: number, fullClusters: readonly string[], limit: number): Promise<Array<{ id: number; cluster: string }>> {
    return this.db.manager.query(
      `SELECT id, cluster FROM targets WHERE dueAt <= ? AND (leaseExpiresAt IS NULL OR leaseExpiresAt < ?)` +
        `${fullClusters.length ? ` AND cluster NOT IN (${fullClusters.map(() => '?').join(', ')})` : ''} ORDER BY priority, dueAt LIMIT ?`,
      [now, now, ...fullClusters, limit],
    );
  }

  // ---------------------------------------------------------------- the queue

  /**
   * At start-up: the targets of runs a crash left Running are queued again with their trigger
   * (first), and every lease is taken over — one process owns every target today.
   */
  async takeOver(interrupted: readonly SyncRun[]): Promise<void> {
    const now = this.clock.now();
    await this.db.write(async (tx) => {
      for (const run of interrupted) {
        await tx.query(`UPDATE targets SET pendingTrigger = COALESCE(pendingTrigger, ?), pendingActor = COALESCE(pendingActor, ?), priority = ?, dueAt = ? WHERE id = ?`, [
          run.trigger,
          run.actor,
          PRIORITY.urgent,
          now,
          run.targetId,
        ]);
      }
      await tx.query(`UPDATE targets SET owner = NULL, leaseExpiresAt = NULL WHERE owner IS NOT NULL`);
    });
  }

  /**
   * Takes the lease of a due target no one holds, and its pending trigger, in one write: a trigger
   * arriving after this is kept for the next run. The row as it was claimed, or undefined when
   * someone else was first (or it is no longer due).
   */
  claim(id: number, now: number): Promise<TargetRow | undefined> {
    return this.db.write(async (tx) => {
      await tx.query(`UPDATE targets SET owner = ?, leaseExpiresAt = ? WHERE id = ? AND dueAt <= ? AND (leaseExpiresAt IS NULL OR leaseExpiresAt < ?)`, [
        this.owner,
        leaseExpiry(now, this.config.sync.leaseSeconds),
        id,
        now,
        now,
      ]);
      if ((await tx.query(`SELECT changes() AS n`))[0].n !== 1) return undefined;
      const row = await tx.getRepository(TargetRow).findOneByOrFail({ id });
      // periodic from here: release tells by a lower priority that something arrived during the work
      await tx.query(`UPDATE targets SET pendingTrigger = NULL, pendingActor = NULL, pendingRevision = NULL, pendingPrune = NULL, priority = ? WHERE id = ?`, [
        PRIORITY.periodic,
        id,
      ]);
      return row;
    });
  }

  /** Extends the lease of a target this process works on (and only if it still holds it). */
  renew(id: number): Promise<unknown> {
    return this.db.write((tx) =>
      tx.query(`UPDATE targets SET leaseExpiresAt = ? WHERE id = ? AND owner = ?`, [leaseExpiry(this.clock.now(), this.config.sync.leaseSeconds), id, this.owner]),
    );
  }

  /**
   * Gives a worked-on target back to the queue, due at `nextDueAt` — unless something made it due
   * during the work: the claim set priority to periodic, so anything lower means a trigger, a
   * fan-out change or a check request arrived, and it made the row due already.
   */
  async release(tx: EntityManager, id: number, nextDueAt: number): Promise<void> {
    await tx.query(`UPDATE targets SET owner = NULL, leaseExpiresAt = NULL, dueAt = CASE WHEN priority < ? THEN dueAt ELSE ? END WHERE id = ? AND owner = ?`, [
      PRIORITY.periodic,
      nextDueAt,
      id,
      this.owner,
    ]);
  }

  /**
   * Asks for a run of the matching targets (not leaving ones): due now, at the request's priority
   * or better. A pending trigger is replaced only by one at least as urgent, so a person's sync is
   * not relabelled by a periodic one arriving after it. Returns how many rows it queued.
   */
  trigger(where: TriggerScope, request: TriggerRequest): Promise<number> {
    const priority = request.priority ?? TRIGGER_PRIORITY[request.trigger];
    const conds = Object.entries(where).filter(([, v]) => v !== undefined);
    const sql = `UPDATE targets SET
        pendingTrigger = CASE WHEN pendingTrigger IS NULL OR priority >= ? THEN ? ELSE pendingTrigger END,
        pendingActor = CASE WHEN pendingTrigger IS NULL OR priority >= ? THEN ? ELSE pendingActor END,
        pendingRevision = ?, pendingPrune = ?,
        priority = MIN(priority, ?), dueAt = MIN(dueAt, ?)${request.resetFailures ? ', failures = 0' : ''}
      WHERE leaving = 0 AND ${conds.map(([k]) => `"${k}" = ?`).join(' AND ')}`;
    const args = [priority, request.trigger, priority, request.actor, request.revision ?? null, request.prune ?? null, priority, this.clock.now(), ...conds.map(([, v]) => v)];
    return this.db.write(async (tx) => {
      await tx.query(sql, args);
      return (await tx.query(`SELECT changes() AS n`))[0].n as number;
    });
  }

  /** Makes the matching targets due now without asking for a run: their next check comes at once. */
  async checkNow(where: CheckScope, resetFailures = false): Promise<void> {
    const conds = Object.entries(where).filter(([, v]) => v !== undefined);
    if (!conds.length) return;
    await this.db.write((tx) =>
      tx.query(
        `UPDATE targets SET dueAt = MIN(dueAt, ?), priority = MIN(priority, ?)${resetFailures ? ', failures = 0' : ''} WHERE ${conds.map(([k]) => `"${k}" = ?`).join(' AND ')}`,
        [this.clock.now(), PRIORITY.soon, ...conds.map(([, v]) => v)],
      ),
    );
  }

  // ---------------------------------------------------------------- the fan-out

  /** A target joining the fan-out: synced at once when the application is automated, else only checked. */
  async join(tx: EntityManager, target: TargetDefinition, automated: boolean): Promise<void> {
    await tx.insert(TargetRow, {
      application: target.application,
      cluster: target.cluster,
      namespace: target.namespace,
      path: target.path,
      problem: target.problem,
      leaving: false,
      desiredRevision: null,
      revision: null,
      commit: null,
      sync: 'Unknown',
      health: 'Unknown',
      message: target.problem ?? (automated ? 'waiting for the first sync' : 'not synced yet: automated sync is off'),
      inventory: [],
      resources: [],
      lastRunId: null,
      dueAt: this.clock.now(),
      priority: PRIORITY.soon,
      pendingTrigger: automated ? 'schedule' : null,
      pendingActor: automated ? 'flotilla' : null,
      failures: 0,
    });
  }

  /** A target back in the fan-out, or defined differently (path, problem): looked at now. */
  async redefine(tx: EntityManager, id: number, target: Pick<TargetDefinition, 'path' | 'problem'>): Promise<void> {
    await tx.update(TargetRow, { id }, { leaving: false, path: target.path, problem: target.problem, dueAt: this.clock.now(), priority: PRIORITY.soon });
  }

  /**
   * Targets whose objects are to be deleted — one that left the fan-out (`{ id }`), or all of an
   * application deleted with cascade (`{ application }`) — due now; the row goes once they are.
   */
  async markLeaving(tx: EntityManager, which: { id: number } | { application: string }, how: { message: string; priority: Priority; resetFailures?: boolean }): Promise<void> {
    await tx.update(TargetRow, which, {
      leaving: true,
      dueAt: this.clock.now(),
      priority: how.priority,
      ...(how.resetFailures ? { failures: 0 } : {}),
      message: how.message,
    });
  }

  /** Deletes a target's row (what it deployed stays, or is already gone). */
  async remove(tx: EntityManager, id: number): Promise<void> {
    await tx.delete(TargetRow, { id });
  }

  /** Deletes every target row of an application; returns their ids (for the queue to stop work on them). */
  async removeAll(tx: EntityManager, application: string): Promise<number[]> {
    const ids = (await tx.find(TargetRow, { where: { application }, select: { id: true } })).map((t) => t.id);
    await tx.delete(TargetRow, { application });
    return ids;
  }

  /** With a rollout: the revision the rollout lets the target hold from now on. */
  async setReleasedRevision(tx: EntityManager, key: TargetKey, revision: string): Promise<void> {
    await tx.update(TargetRow, { application: key.application, cluster: key.cluster, namespace: key.namespace }, { releasedRevision: revision });
  }

  // ---------------------------------------------------------------- status

  /** A run started: it is the target's last run, at this revision; a self-heal run opens a drift episode. */
  async recordRunStart(tx: EntityManager, id: number, runId: number, revision: string, drifting: boolean): Promise<void> {
    await tx.update(TargetRow, { id }, { lastRunId: runId, desiredRevision: revision, ...(drifting ? { drifting: true } : {}) });
  }

  /** A run ended (with the run's own record): the target's status and inventory after it, its last run. */
  recordRun(tx: EntityManager, id: number, patch: TargetPatch): Promise<void> {
    return this.patch(tx, id, patch);
  }

  /** A look at the target that was not a run (a check, a report, a wait, a failure to get that far): its status. */
  recordCheck(tx: EntityManager, id: number, patch: TargetPatch): Promise<void> {
    return this.patch(tx, id, patch);
  }

  /** Writes only what changed: an idle fleet's checks cost no status writes, and no events. */
  private async patch(tx: EntityManager, id: number, patch: TargetPatch): Promise<void> {
    const current = await tx.findOneBy(TargetRow, { id });
    if (!current) return;
    const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => JSON.stringify(current[k as keyof TargetRow]) !== JSON.stringify(v)));
    if (!Object.keys(changed).length) return;
    await tx.update(TargetRow, { id }, changed);
    if (SHOWN.some((k) => k in changed)) {
      const now = { ...current, ...changed };
      this.events.publish({
        type: 'target',
        application: now.application,
        cluster: now.cluster,
        namespace: now.namespace,
        sync: now.sync,
        health: now.health,
        revision: now.revision,
        message: now.message,
      });
    }
  }
}
