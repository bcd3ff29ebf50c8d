import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** An API token. Only a keyed hash of its secret part is stored; the token is shown once. */
@Entity('api_tokens')
export class ApiToken {
  /** public id, the part of the token before its secret */
  @PrimaryColumn({ type: 'varchar', length: 24 })
  id!: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** HMAC-SHA256 of the whole token under a key derived from the secret key */
  @Column({ type: 'blob' })
  hash!: Buffer;

  @Column({ type: 'varchar', length: 63 })
  createdBy!: string;

  @CreateDateColumn({ type: 'datetime' })
  createdAt!: Date;

  @Column({ type: 'datetime', nullable: true })
  lastUsedAt!: Date | null;
}
