import { ApiProperty } from '@nestjs/swagger';
import { Role, ROLES } from '../api-token.entity';

/** An API token as listed: who made it and when it was last used, never the token. */
export class TokenView {
  @ApiProperty({ example: 'ci-deployer' })
  name!: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role!: Role;

  @ApiProperty({ description: 'name of the token that created it' })
  createdBy!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'to the minute; null when never used' })
  lastUsedAt!: Date | null;
}

/** The answer of creating a token: the only time the token itself is shown. */
export class CreatedTokenView extends TokenView {
  @ApiProperty({ description: 'the bearer token; stored hashed, so it cannot be shown again', example: 'flt_0123456789ab_…' })
  token!: string;
}
