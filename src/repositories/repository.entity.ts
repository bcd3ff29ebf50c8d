import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type RepositoryAuthType = 'none' | 'basic' | 'sshKey';

/** A git source mirrored locally. Credentials and the webhook secret are encrypted. */
@Entity('repositories')
export class Repository {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'varchar', length: 255, default: 'main' })
  branch!: string;

  @Column({ type: 'integer' })
  pollIntervalSeconds!: number;

  @Column({ type: 'varchar', length: 16, default: 'none' })
  authType!: RepositoryAuthType;

  /** basic: the user name (not a secret, shown back) */
  @Column({ type: 'varchar', length: 255, nullable: true })
  username!: string | null;

  /** sshKey: known_hosts lines (public data) */
  @Column({ type: 'text', nullable: true })
  knownHosts!: string | null;

  /** SecretBox value of the password or the private key */
  @Column({ type: 'text', nullable: true })
  credentials!: string | null;

  /** SecretBox value of the webhook secret */
  @Column({ type: 'text', nullable: true })
  webhookSecret!: string | null;

  /** SHA of the branch head after the last good fetch */
  @Column({ type: 'varchar', length: 64, nullable: true })
  revision!: string | null;

  @Column({ type: 'datetime', nullable: true })
  lastFetchedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @CreateDateColumn({ type: 'datetime' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'datetime' })
  updatedAt!: Date;
}
