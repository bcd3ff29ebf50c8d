import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const CHANNEL_TYPES = ['slack', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Where hooks are delivered: a Slack channel or an HTTP receiver. Secrets sealed. */
@Entity('channels')
export class Channel {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: ChannelType;

  /** slack: the channel id or name messages go to */
  @Column({ type: 'varchar', length: 255, nullable: true })
  slackChannel!: string | null;

  /** webhook: the receiver's URL */
  @Column({ type: 'varchar', length: 2048, nullable: true })
  url!: string | null;

  @Column({ type: 'integer', default: 10 })
  timeoutSeconds!: number;

  /** SecretBox value of `{ token } | { secret?, headers? }`: everything a sender needs that others must not see */
  @Column({ type: 'text' })
  secrets!: string;

  /** webhook: requests are signed (the secret is in `secrets`) */
  @Column({ type: 'boolean', default: false })
  signed!: boolean;

  /** names of the custom headers (their values are in `secrets`) */
  @Column({ type: 'simple-json' })
  headerNames!: string[];

  /** the receiver asked us to wait (429 Retry-After) until then, epoch ms */
  @Column({ type: 'integer', nullable: true })
  pausedUntil!: number | null;

  @CreateDateColumn({ type: 'datetime' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'datetime' })
  updatedAt!: Date;
}
