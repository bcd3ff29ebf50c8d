import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DNS_LABEL } from '../../common/validation';

export class EventsQuery {
  @ApiPropertyOptional({ type: 'string', pattern: DNS_LABEL.source, maxLength: 63, description: 'only changes of this application' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: 'application must be a DNS-1123 label' })
  application?: string;

  @ApiPropertyOptional({
    type: 'string',
    pattern: '^(target|run|application|cluster|delivery|rollout)(,(target|run|application|cluster|delivery|rollout))*$',
    maxLength: 128,
    description: 'comma-separated event types',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^(target|run|application|cluster|delivery|rollout)(,(target|run|application|cluster|delivery|rollout))*$/, {
    message: 'types must be a comma-separated list of target, run, application, cluster, delivery, rollout',
  })
  types?: string;
}
