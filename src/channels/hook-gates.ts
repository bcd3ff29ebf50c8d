import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { Clock } from '../shared/clock';
import { Channel } from './channel.entity';
import { ChannelSecrets } from './channel-secrets';
import { Delivery } from './delivery.entity';
import { cloudEventType, type Hook, type TargetEvent } from './hook-events';
import { DeliveryError } from './senders/delivery-error';
import { WebhookSender } from './senders/webhook';

export type GateVerdict = { open: true } | { open: false; message: string };

/**
 * Change gates: PreSync hooks with `gate: true` on webhook channels, called synchronously
 * before a run applies anything. A 2xx lets the run go on; any other answer, a timeout or an
 * unreachable receiver closes the gate, with the receiver's status and first 500 bytes as the
 * reason. Each call is in the channel's delivery log (one attempt, never retried: the run is
 * waiting, and a retry is the next run).
 */
@Injectable()
export class HookGates {
  private readonly sender: WebhookSender;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly secrets: ChannelSecrets,
    config: AppConfig,
  ) {
    this.sender = new WebhookSender({ allowPrivateNetworks: config.hooks.allowPrivateNetworks, clock });
  }

  async check(hooks: readonly Hook[], event: TargetEvent): Promise<GateVerdict> {
    for (const hook of hooks.filter((h) => h.gate && h.on.includes('PreSync'))) {
      const verdict = await this.call(hook.channel, event);
      if (!verdict.open) return verdict;
    }
    return { open: true };
  }

  private async call(channelName: string, event: TargetEvent): Promise<GateVerdict> {
    const channel = await this.db.manager.findOneBy(Channel, { name: channelName });
    if (!channel || channel.type !== 'webhook') return { open: false, message: `gate ${channelName}: no such webhook channel` };
    const id = randomUUID();
    const secrets = this.secrets.open(channel);
    let verdict: GateVerdict;
    let status: number | null = null;
    try {
      const res = await this.sender.send({
        id,
        url: channel.url!,
        secret: secrets.secret,
        headers: secrets.headers,
        timeoutSeconds: channel.timeoutSeconds,
        event: { type: cloudEventType('PreSync'), subject: `${event.application}/${event.cluster}/${event.namespace}`, time: this.clock.date(), data: { ...event, gate: true } },
      });
      status = res.status;
      verdict = { open: true };
    } catch (e) {
      const err = e instanceof DeliveryError ? e : undefined;
      status = err?.status ?? null;
      const answer = err?.status ? `answered ${err.status}${err.body ? `: ${err.body}` : ''}` : (e as Error).message;
      verdict = { open: false, message: `gate ${channelName} ${answer}`.slice(0, 600) };
    }
    await this.db.write((tx) =>
      tx.insert(Delivery, {
        id,
        channel: channelName,
        kind: 'gate',
        event: 'PreSync',
        application: event.application,
        groupKey: null,
        payload: event as never,
        state: verdict.open ? 'delivered' : 'failed',
        attempts: 1,
        nextAttemptAt: this.clock.now(),
        lastError: verdict.open ? null : verdict.message,
        lastStatus: status,
        slackTs: null,
        createdAt: this.clock.now(),
        deliveredAt: verdict.open ? this.clock.date() : null,
      }),
    );
    return verdict;
  }
}
