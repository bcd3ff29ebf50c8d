import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const CLUSTER_PHASES = ['Pending', 'Connected', 'Unreachable', 'Unauthorized', 'Error'] as const;
export type ClusterPhase = (typeof CLUSTER_PHASES)[number];
export type ClusterAuthType = 'bearerToken' | 'clientCertificate';

/** A target cluster. The only place cluster credentials live, encrypted. */
@Entity('clusters')
export class Cluster {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 2048 })
  server!: string;

  @Column({ type: 'simple-json' })
  labels!: Record<string, string>;

  /** base64 PEM; public, not a secret */
  @Column({ type: 'text', nullable: true })
  caData!: string | null;

  @Column({ type: 'boolean', default: false })
  insecureSkipVerify!: boolean;

  @Column({ type: 'varchar', length: 32 })
  authType!: ClusterAuthType;

  /** SecretBox value of `{ token } | { certData, keyData }` */
  @Column({ type: 'text' })
  credentials!: string;

  /** how it was registered: fields, or a kubeconfig (and which context) */
  @Column({ type: 'varchar', length: 16, default: 'fields' })
  source!: 'fields' | 'kubeconfig';

  @Column({ type: 'varchar', length: 253, nullable: true })
  kubeconfigContext!: string | null;

  /** bumped whenever server, TLS or credentials change: the cached client is rebuilt */
  @Column({ type: 'integer', default: 1 })
  generation!: number;

  @Column({ type: 'varchar', length: 16, default: 'Pending' })
  phase!: ClusterPhase;

  @Column({ type: 'varchar', length: 64, nullable: true })
  kubernetesVersion!: string | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ type: 'datetime', nullable: true })
  lastCheckedAt!: Date | null;

  @CreateDateColumn({ type: 'datetime' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'datetime' })
  updatedAt!: Date;
}
