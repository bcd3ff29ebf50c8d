import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CHANNEL_TYPES, type Channel, type ChannelType } from '../channel.entity';
import { DELIVERY_KINDS, DELIVERY_STATES, type Delivery, type DeliveryKind, type DeliveryState } from '../delivery.entity';

export class SlackChannelView {
  @ApiProperty() channel!: string;
  @ApiProperty({ description: 'true; the token itself is never shown' }) hasToken!: boolean;
}

export class WebhookChannelView {
  @ApiProperty() url!: string;
  @ApiProperty({ description: 'requests are signed (the secret itself is never shown)' }) hasSecret!: boolean;
  @ApiProperty({ type: [String], description: 'names of the custom headers; their values are never shown' }) headers!: string[];
  @ApiProperty({ type: 'integer' }) timeoutSeconds!: number;
}

export class ChannelView {
  @ApiProperty({ example: 'ops-slack' }) name!: string;
  @ApiProperty({ enum: CHANNEL_TYPES, enumName: 'ChannelType' }) type!: ChannelType;
  @ApiPropertyOptional({ type: SlackChannelView }) slack?: SlackChannelView;
  @ApiPropertyOptional({ type: WebhookChannelView }) webhook?: WebhookChannelView;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'the receiver asked to wait (429) until then' }) pausedUntil!: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
}

export class DeliveryView {
  @ApiProperty({ description: 'stable across retries: the webhook-id and CloudEvent id' }) id!: string;
  @ApiProperty() channel!: string;
  @ApiProperty({ enum: DELIVERY_KINDS, enumName: 'DeliveryKind' }) kind!: DeliveryKind;
  @ApiProperty({ example: 'PostSync' }) event!: string;
  @ApiProperty({ type: String, nullable: true }) application!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'cluster/namespace, the revision of a grouped message, or the revision (and wave) of a rollout event' }) subject!:
    string | null;
  @ApiProperty({ enum: DELIVERY_STATES, enumName: 'DeliveryState' }) state!: DeliveryState;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'pending: when the next attempt is due' }) nextAttemptAt!: Date | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) lastStatus!: number | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: Date | null;
}

export class DeliveryPageView {
  @ApiProperty({ type: [DeliveryView] }) items!: DeliveryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class ChannelTestView {
  @ApiProperty({ description: 'the receiver took the test message' }) ok!: boolean;
  @ApiProperty({ type: 'integer', nullable: true }) status!: number | null;
  @ApiProperty({ description: 'what happened, in words' }) message!: string;
}

export function channelView(c: Channel): ChannelView {
  return {
    name: c.name,
    type: c.type,
    ...(c.type === 'slack' ? { slack: { channel: c.slackChannel ?? '', hasToken: true } } : {}),
    ...(c.type === 'webhook' ? { webhook: { url: c.url ?? '', hasSecret: c.signed, headers: c.headerNames, timeoutSeconds: c.timeoutSeconds } } : {}),
    pausedUntil: c.pausedUntil ? new Date(c.pausedUntil) : null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export function deliveryView(d: Delivery): DeliveryView {
  const p = d.payload as { cluster?: string; namespace?: string; revision?: { sha?: string } | string; wave?: string };
  const sha = typeof p.revision === 'string' ? p.revision : p.revision?.sha;
  const revision = sha ? `revision ${sha.slice(0, 7)}` : null;
  const subject =
    d.kind === 'revision' ? revision : d.kind === 'rollout' ? (p.wave && revision ? `${revision}, wave ${p.wave}` : revision) : p.cluster ? `${p.cluster}/${p.namespace}` : null;
  return {
    id: d.id,
    channel: d.channel,
    kind: d.kind,
    event: d.event,
    application: d.application,
    subject,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? new Date(d.nextAttemptAt) : null,
    lastError: d.lastError,
    lastStatus: d.lastStatus,
    createdAt: new Date(d.createdAt),
    deliveredAt: d.deliveredAt,
  };
}
