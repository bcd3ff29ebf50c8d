import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { ConflictError, InvalidInputError, NotFoundError } from '../shared/errors';
import { Channel } from './channel.entity';
import { ChannelSecrets, type ChannelSecretValues } from './channel-secrets';
import { ChannelUsage } from './channel-usage';
import { Delivery } from './delivery.entity';
import { DeliveryWorker, type AttemptOutcome } from './delivery-worker';
import type { CreateChannelDto, UpdateChannelDto } from './dto/channel.dto';
import { HookOutbox } from './hook-outbox';
import { checkWebhookUrl } from './senders/address-guard';
import { checkWebhookHeaders } from './senders/webhook';
import { checkWebhookSecret } from './senders/webhook-signature';

/** Channels as stored definitions (secrets sealed), their delivery log, tests and redeliveries. */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly secrets: ChannelSecrets,
    private readonly usage: ChannelUsage,
    private readonly outbox: HookOutbox,
    private readonly worker: DeliveryWorker,
  ) {}

  list(): Promise<Channel[]> {
    return this.db.manager.find(Channel, { order: { name: 'ASC' } });
  }

  async get(name: string): Promise<Channel> {
    const c = await this.db.manager.findOneBy(Channel, { name });
    if (!c) throw new NotFoundError('channel', name);
    return c;
  }

  async create(dto: CreateChannelDto): Promise<Channel> {
    const fields = this.fields(dto.type, dto, undefined);
    await this.db.write(async (tx) => {
      if (await tx.existsBy(Channel, { name: dto.name })) throw new ConflictError(`channel "${dto.name}" already exists`);
      await tx.insert(Channel, { name: dto.name, type: dto.type, pausedUntil: null, ...fields });
    });
    return this.get(dto.name);
  }

  async update(name: string, dto: UpdateChannelDto): Promise<Channel> {
    const current = await this.get(name);
    const fields = this.fields(current.type, dto, current);
    await this.db.write(async (tx) => {
      if (!(await tx.existsBy(Channel, { name }))) throw new NotFoundError('channel', name);
      await tx.update(Channel, { name }, fields);
    });
    return this.get(name);
  }

  async remove(name: string): Promise<void> {
    await this.get(name);
    const users = await this.usage.usersOf(name);
    if (users.length) throw new ConflictError(`channel "${name}" is used by ${users.join(', ')}; remove those hooks first`);
    await this.db.write(async (tx) => {
      await tx.delete(Delivery, { channel: name });
      await tx.delete(Channel, { name });
    });
  }

  /** Sends a test message now and says how it went; it is in the delivery log like any other. */
  async test(name: string, actor: string): Promise<AttemptOutcome> {
    await this.get(name);
    const delivery = await this.db.write((tx) => this.outbox.test(tx, name, actor));
    return this.worker.deliverNow(delivery.id);
  }

  async deliveries(name: string, q: { limit: number; cursor?: string }): Promise<{ items: Delivery[]; nextCursor: string | null }> {
    await this.get(name);
    const cursor = q.cursor ? parseCursor(q.cursor) : undefined;
    // newest first; the cursor is the last row's (createdAt, id) so equal timestamps page correctly
    const rows = await this.db.manager
      .getRepository(Delivery)
      .createQueryBuilder('d')
      .where('d.channel = :name', { name })
      .andWhere(cursor ? '(d.createdAt < :at OR (d.createdAt = :at AND d.id < :id))' : '1 = 1', cursor ?? {})
      .orderBy('d.createdAt', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .take(q.limit + 1)
      .getMany();
    const more = rows.length > q.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { items: rows, nextCursor: more && last ? `${last.createdAt}_${last.id}` : null };
  }

  /** Sends a delivery again, under its own id (receivers that already have it can drop it). */
  async redeliver(name: string, id: string): Promise<Delivery> {
    const d = await this.db.write(async (tx) => {
      const row = await tx.findOneBy(Delivery, { id, channel: name });
      if (!row) throw new NotFoundError('delivery', id);
      if (row.state === 'pending') throw new ConflictError(`delivery ${id} is still pending; it will be sent without asking`);
      await tx.update(Delivery, { id }, { state: 'pending', attempts: 0, nextAttemptAt: 0, lastError: null, ...(row.kind === 'revision' ? {} : { deliveredAt: null }) });
      return tx.findOneByOrFail(Delivery, { id });
    });
    this.worker.kick();
    return d;
  }

  /** The stored columns for a channel of `type`, checked: URL policy, required fields, secrets sealed. */
  private fields(type: Channel['type'], dto: CreateChannelDto | UpdateChannelDto, current: Channel | undefined) {
    const old: ChannelSecretValues = current ? this.secrets.open(current) : {};
    if (type === 'slack') {
      if (dto.webhook !== undefined) throw new InvalidInputError('webhook: this is a slack channel');
      const token = dto.slack?.token ?? old.token;
      const slackChannel = dto.slack?.channel ?? current?.slackChannel;
      if (!token) throw new InvalidInputError('slack.token is required');
      if (!slackChannel) throw new InvalidInputError('slack.channel is required');
      return { slackChannel, url: null, timeoutSeconds: this.config.slack.timeoutSeconds, secrets: this.secrets.seal({ token }), signed: false, headerNames: [] };
    }
    if (dto.slack !== undefined) throw new InvalidInputError('slack: this is a webhook channel');
    const url = dto.webhook?.url ?? current?.url;
    if (!url) throw new InvalidInputError('webhook.url is required');
    checkWebhookUrl(url, { allowPrivateNetworks: this.config.hooks.allowPrivateNetworks });
    const secret = dto.webhook?.secret === null ? undefined : (dto.webhook?.secret ?? old.secret);
    const headers = dto.webhook?.headers ?? old.headers ?? {};
    if (dto.webhook?.secret) checkWebhookSecret(dto.webhook.secret);
    checkWebhookHeaders(headers);
    return {
      slackChannel: null,
      url,
      timeoutSeconds: dto.webhook?.timeoutSeconds ?? current?.timeoutSeconds ?? 10,
      secrets: this.secrets.seal({ secret, headers }),
      signed: !!secret,
      headerNames: Object.keys(headers),
    };
  }
}

function parseCursor(cursor: string): { at: number; id: string } {
  const m = /^(\d{1,16})_([0-9a-f-]{36})$/.exec(cursor);
  if (!m) throw new InvalidInputError('cursor must be a value returned as nextCursor');
  return { at: Number(m[1]), id: m[2] };
}
