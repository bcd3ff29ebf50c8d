import { ApiProperty } from '@nestjs/swagger';

export class HealthView {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

export class ReadinessChecksView {
  @ApiProperty({ description: 'the database answers' })
  database!: boolean;

  @ApiProperty({ description: 'the scheduler is ticking' })
  scheduler!: boolean;
}

export class ReadinessView {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status!: 'ok' | 'unavailable';

  @ApiProperty({ type: ReadinessChecksView })
  checks!: ReadinessChecksView;
}
