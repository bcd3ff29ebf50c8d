import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { Role, ROLES } from '../api-token.entity';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../../common/validation';

export class CreateTokenDto {
  @ApiProperty({ type: 'string', example: 'ci-deployer', description: 'DNS-1123 label', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;
}
