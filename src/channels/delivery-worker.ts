import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ExponentialBackoff, fullJitterGenerator } from 'cockatiel';
import { LessThanOrEqual } from 'typeorm';
import { AuditLog } from '../audit/audit-log';
import { Scheduler } from '../common/scheduler';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { LiveEvents } from '../events/live-events';
import { Clock } from '../shared/clock';
import { Channel } from './channel.entity';
import { ChannelSecrets } from './channel-secrets';
import { ChannelUsage } from './channel-usage';
import { Delivery } from './delivery.entity';
import { cloudEventType, type TargetEvent } from './hook-events';
import type { RolloutEvent } from './rollout-event';
import { rolloutMessage } from './rollout-message';
import { rolloutWaves } from './rollout-waves';
import { DeliveryError } from './senders/delivery-error';
import { SlackSender } from './senders/slack';
import { WebhookSender } from './senders/webhook';
import { revisionMessage, targetMessage, type RevisionSummary, type SlackMessage } from './slack-message';

/** What one attempt did: for the delivery log and the test endpoint. */
export interface AttemptOutcome {
  ok: boolean;
  status: number | null;
  message: string;
}

/**
 * Not sent, nor failed: a grouped webhook waiting for its last target, a reply waiting for its thread.
 * Thrown by `send` and caught by `attempt`; an Error so that what is thrown is always one.
 */
class NotYet extends Error {
  constructor(readonly at: number) {
    super(`not due before ${at} (ms since the epoch)`);
    this.name = 'NotYet';
  }
}

/**
 * The outbox's sending side. Pending rows whose time has come are sent per channel, one at a time
 * and in order (a delivery waiting out a retry backoff does not hold back the ones after it; a
 * 429 pauses the whole channel and keeps the order), with up to `hooks.channelConcurrency` channels at once, so one slow or failing
 * receiver never delays another. An attempt that fails is tried again after a full-jitter
 * exponential backoff (cockatiel's generator, capped) or the receiver's Retry-After — a 429 also
 * pauses that channel only — until `hooks.maxAttempts`; then the row is failed for good. Each final
 * outcome is audited in the transaction that records it. A restart finds the pending rows again.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger(DeliveryWorker.name);
  private readonly busy = new Set<string>();
  private readonly slack: SlackSender;
  private readonly webhooks: WebhookSender;
  private readonly backoff: ExponentialBackoff<number>;
  private scanning = false;
  private stopping = false;
  /** sends in flight: shutdown waits for them, so none writes to a closed database */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly audit: AuditLog,
    private readonly secrets: ChannelSecrets,
    private readonly usage: ChannelUsage,
    private readonly events: LiveEvents,
  ) {
    this.slack = new SlackSender({ apiUrl: config.slack.apiUrl, timeoutSeconds: config.slack.timeoutSeconds });
    this.webhooks = new WebhookSender({ allowPrivateNetworks: config.hooks.allowPrivateNetworks, clock });
    this.backoff = new ExponentialBackoff({
      generator: fullJitterGenerator,
      initialDelay: config.hooks.backoffBaseSeconds * 1000,
      maxDelay: config.hooks.backoffMaxSeconds * 1000,
    });
  }

  onApplicationBootstrap(): void {
    this.scheduler.every('hook-deliveries', 1000, () => this.scan(), { immediate: true });
    this.scheduler.every('hook-delivery-retention', 3_600_000, () => this.forgetOld(), { immediate: true });
  }

  /** The delivery log keeps finished rows for `hooks.keepDeliveriesDays`; pending ones always. */
  async forgetOld(): Promise<number> {
    const before = this.clock.now() - this.config.hooks.keepDeliveriesDays * 86_400_000;
    return this.db.write(async (tx) => {
      await tx.query(`DELETE FROM deliveries WHERE state != 'pending' AND createdAt < ?`, [before]);
      return (await tx.query(`SELECT changes() AS n`))[0].n as number;
    });
  }

  /** Looks for due deliveries soon. */
  kick(): void {
    if (!this.stopping) setImmediate(() => void this.scan());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (let i = 0; this.scanning && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
    await Promise.all([...this.inFlight]);
  }

  /** Sends one delivery now (the test endpoint), recording the outcome like the worker does. */
  async deliverNow(id: string): Promise<AttemptOutcome> {
    const channel = (await this.db.manager.findOneByOrFail(Delivery, { id })).channel;
    // a drain already running on the channel keeps its claim; this one send goes beside it
    const claimed = !this.busy.has(channel);
    if (claimed) this.busy.add(channel);
    try {
      return await this.attempt(id);
    } finally {
      if (claimed) this.busy.delete(channel);
    }
  }

  private async scan(): Promise<void> {
    if (this.scanning || this.stopping) return;
    this.scanning = true;
    try {
      const now = this.clock.now();
      const due: { channel: string }[] = await this.db.manager.query(
        `SELECT DISTINCT d.channel FROM deliveries d JOIN channels c ON c.name = d.channel
          WHERE d.state = 'pending' AND d.nextAttemptAt <= ? AND (c.pausedUntil IS NULL OR c.pausedUntil <= ?)`,
        [now, now],
      );
      for (const { channel } of due) {
        if (this.busy.size >= this.config.hooks.channelConcurrency) break;
        if (this.busy.has(channel)) continue;
        this.busy.add(channel);
        const draining: Promise<void> = this.drain(channel).finally(() => {
          this.busy.delete(channel);
          this.inFlight.delete(draining);
        });
        this.inFlight.add(draining);
      }
    } catch (e) {
      this.log.error({ err: e }, 'scanning the delivery outbox failed');
    } finally {
      this.scanning = false;
    }
  }

  /** One channel's due deliveries, oldest first, one at a time; stops when the channel is paused. */
  private async drain(channel: string): Promise<void> {
    while (!this.stopping) {
      const now = this.clock.now();
      const c = await this.db.manager.findOne(Channel, { where: { name: channel }, select: { name: true, pausedUntil: true } });
      if (!c || (c.pausedUntil && c.pausedUntil > now)) return;
      const next = await this.db.manager.findOne(Delivery, {
        where: { channel, state: 'pending', nextAttemptAt: LessThanOrEqual(now) },
        order: { nextAttemptAt: 'ASC', createdAt: 'ASC' },
        select: { id: true },
      });
      if (!next) return;
      await this.attempt(next.id).catch((e) => this.log.error({ err: e, delivery: next.id }, 'delivery attempt failed unexpectedly'));
    }
  }

  private async attempt(id: string): Promise<AttemptOutcome> {
    const d = await this.db.manager.findOneBy(Delivery, { id });
    const channel = d && (await this.db.manager.findOneBy(Channel, { name: d.channel }));
    if (!d || !channel) return { ok: false, status: null, message: 'the delivery or its channel no longer exists' };
    try {
      const sent = await this.send(channel, d);
      await this.db.write(async (tx) => {
        // news that arrived while this was being sent (a grouped message's next edit) keeps it pending
        const stale = channel.type === 'slack' && d.kind === 'revision' && (await tx.findOne(Delivery, { where: { id }, select: { version: true } }))?.version !== d.version;
        await tx.update(
          Delivery,
          { id },
          {
            state: stale ? 'pending' : 'delivered',
            attempts: d.attempts + 1,
            lastStatus: sent.status,
            lastError: null,
            deliveredAt: this.clock.date(),
            ...(sent.slackTs ? { slackTs: sent.slackTs, payload: { ...d.payload, slackChannel: sent.slackChannel } } : {}),
          },
        );
        await this.audit.recordIn(tx, {
          actor: 'flotilla',
          action: 'delivery.delivered',
          subject: `${d.channel}/${d.id}`,
          outcome: 'delivered',
          details: { event: d.event, kind: d.kind, application: d.application, attempts: d.attempts + 1, status: sent.status },
        });
      });
      this.events.publish({ type: 'delivery', channel: d.channel, id: d.id, state: 'delivered', application: d.application });
      return { ok: true, status: sent.status, message: `delivered (${d.kind === 'revision' ? 'revision summary' : d.event})` };
    } catch (e) {
      if (e instanceof NotYet) {
        // unless news arrived meanwhile (the last target finished): then look again at once
        await this.db.write((tx) => tx.update(Delivery, { id, version: d.version }, { nextAttemptAt: e.at }));
        return { ok: false, status: null, message: 'waiting' };
      }
      return this.failed(d, channel, e);
    }
  }

  private async failed(d: Delivery, channel: Channel, e: unknown): Promise<AttemptOutcome> {
    const err = e instanceof DeliveryError ? e : new DeliveryError(e instanceof Error ? e.message : String(e), { retryable: true, failure: 'network' });
    const now = this.clock.now();
    const attempts = d.attempts + 1;
    // a 429 is the receiver pacing us, not the delivery failing: it pauses the channel and costs no attempt
    const paced = err.failure === 'rateLimited';
    const retryAfter = (err.retryAfterSeconds ?? 0) * 1000;
    const giveUp = !err.retryable || (!paced && attempts >= this.config.hooks.maxAttempts);
    const next = now + Math.max(retryAfter, paced ? 1000 : this.delayAfter(attempts));
    await this.db.write(async (tx) => {
      if (paced) await tx.update(Channel, { name: channel.name }, { pausedUntil: now + Math.max(retryAfter, 1000) });
      await tx.update(
        Delivery,
        { id: d.id },
        {
          // paced: the channel's pause holds every delivery; this one keeps its place in the order
          state: giveUp ? 'failed' : 'pending',
          attempts: paced ? d.attempts : attempts,
          nextAttemptAt: giveUp || paced ? d.nextAttemptAt : next,
          lastError: err.message.slice(0, 2000),
          lastStatus: err.status ?? null,
        },
      );
      if (giveUp) {
        await this.audit.recordIn(tx, {
          actor: 'flotilla',
          action: 'delivery.failed',
          subject: `${d.channel}/${d.id}`,
          outcome: 'failed',
          details: { event: d.event, kind: d.kind, application: d.application, attempts, status: err.status, error: err.message.slice(0, 500) },
        });
      }
    });
    this.events.publish({ type: 'delivery', channel: d.channel, id: d.id, state: giveUp ? 'failed' : 'pending', application: d.application });
    if (giveUp) this.log.warn({ channel: d.channel, delivery: d.id, attempts, err: err.message }, 'delivery failed for good');
    return { ok: false, status: err.status ?? null, message: err.message };
  }

  /** Full jitter: a random wait up to base * 2^(attempt-1), capped — cockatiel's generator. */
  private delayAfter(attempts: number): number {
    let b = this.backoff.next();
    for (let i = 1; i < attempts; i++) b = b.next(undefined);
    return b.duration;
  }

  private async send(channel: Channel, d: Delivery): Promise<{ status: number; slackTs?: string; slackChannel?: string }> {
    const secrets = this.secrets.open(channel);
    if (d.kind === 'revision') return this.sendRevision(channel, d, secrets);
    if (channel.type === 'slack') {
      const message =
        d.kind === 'test'
          ? testMessage(String(d.payload.message))
          : d.kind === 'rollout'
            ? rolloutMessage(d.payload as unknown as RolloutEvent)
            : targetMessage(d.payload as unknown as TargetEvent);
      let threadTs: string | undefined;
      if (d.kind === 'reply') {
        const parent = await this.db.manager.findOne(Delivery, { where: { channel: channel.name, groupKey: d.groupKey!, kind: 'revision' } });
        if (!parent?.slackTs) {
          if (parent?.state === 'failed') throw new DeliveryError('the revision message this reply belongs to was never posted', { retryable: false, failure: 'invalid' });
          throw new NotYet(this.clock.now() + 1000);
        }
        threadTs = parent.slackTs;
      }
      const posted = await this.slack.post({ token: secrets.token!, channel: channel.slackChannel!, text: message.text, blocks: message.blocks, threadTs });
      return { status: 200, slackTs: d.kind === 'reply' ? undefined : posted.ts, slackChannel: posted.channel };
    }
    const p = d.payload as Partial<TargetEvent>;
    // a rollout's event is about the application; a target's about application/cluster/namespace
    const subject = d.kind !== 'rollout' && p.cluster ? `${p.application}/${p.cluster}/${p.namespace}` : (d.application ?? p.application ?? undefined);
    const res = await this.webhooks.send({
      id: d.id,
      url: channel.url!,
      secret: secrets.secret,
      headers: secrets.headers,
      timeoutSeconds: channel.timeoutSeconds,
      event: { type: cloudEventType(d.event), subject, time: new Date(d.createdAt), data: d.payload },
    });
    return { status: res.status };
  }

  /** Slack: post once, then edit in place. Webhook: one event once every target finished, or at the timeout. */
  private async sendRevision(channel: Channel, d: Delivery, secrets: ReturnType<ChannelSecrets['open']>): Promise<{ status: number; slackTs?: string; slackChannel?: string }> {
    const { application, revision } = d.payload as unknown as Pick<RevisionSummary, 'application' | 'revision'>;
    const rollout = await this.usage.rolloutOf(application, revision.sha);
    const waves = await rolloutWaves(this.db.manager, application, revision.sha).catch((e) => {
      this.log.warn({ err: e, application }, 'reading the rollout waves for the revision message failed; sending it without them');
      return undefined;
    });
    const deadline = d.createdAt + this.config.hooks.revisionTimeoutSeconds * 1000;
    const summary: RevisionSummary = { ...rollout, revision, final: rollout.final || this.clock.now() >= deadline, ...(waves?.length ? { waves } : {}) };
    if (channel.type === 'webhook') {
      if (!summary.final) throw new NotYet(deadline);
      const res = await this.webhooks.send({
        id: d.id,
        url: channel.url!,
        secret: secrets.secret,
        headers: secrets.headers,
        timeoutSeconds: channel.timeoutSeconds,
        event: { type: cloudEventType('Revision'), subject: `${application}@${revision.sha}`, time: this.clock.date(), data: summary },
      });
      return { status: res.status };
    }
    const message: SlackMessage = revisionMessage(summary);
    if (d.slackTs) {
      await this.slack.update({
        token: secrets.token!,
        channel: typeof d.payload.slackChannel === 'string' ? d.payload.slackChannel : channel.slackChannel!,
        ts: d.slackTs,
        text: message.text,
        blocks: message.blocks,
      });
      return { status: 200 };
    }
    const posted = await this.slack.post({ token: secrets.token!, channel: channel.slackChannel!, text: message.text, blocks: message.blocks });
    return { status: 200, slackTs: posted.ts, slackChannel: posted.channel };
  }
}

function testMessage(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:wave: ${text}` } }] };
}
