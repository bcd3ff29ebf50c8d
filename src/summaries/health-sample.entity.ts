import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How many targets had each health at one moment: one row per health status (zeros included, so
 * "no targets" is a sample too), written whenever the counts differ from the last sample. The
 * targets table holds only each target's health now; these rows are the fleet's health history
 * that the health summary reads ("targets by health over the last day").
 */
@Entity('health_samples')
export class HealthSample {
  /** epoch ms the counts were taken */
  @PrimaryColumn({ type: 'integer' })
  at!: number;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  health!: string;

  @Column({ type: 'integer' })
  targets!: number;
}
