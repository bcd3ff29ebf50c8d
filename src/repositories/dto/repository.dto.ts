import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../../common/validation';

// git check-ref-format, roughly: no "..", no control characters, spaces or ~^:?*[\, not starting with "-"
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[^\x00-\x20\x7f~^:?*[\\]{1,255}(?<![./])$/;

export class RepositoryAuthDto {
  @ApiProperty({ enum: ['basic', 'sshKey'], enumName: 'RepositoryAuthType' })
  @IsIn(['basic', 'sshKey'], { message: 'auth.type must be basic or sshKey' })
  type!: 'basic' | 'sshKey';

  @ApiPropertyOptional({ description: 'basic: user name (for a token, e.g. x-access-token)' })
  @ValidateIf((a: RepositoryAuthDto) => a.type === 'basic')
  @IsString() @MaxLength(255) @Matches(/^[^\x00-\x1f\x7f:]+$/, { message: 'username must not contain ":" or control characters' })
  username?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'basic: password or token' })
  @ValidateIf((a: RepositoryAuthDto) => a.type === 'basic')
  @IsString() @MaxLength(4096) @Matches(/^[^\x00-\x1f\x7f]+$/, { message: 'password must not contain control characters' })
  password?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'sshKey: an OpenSSH or PEM private key' })
  @ValidateIf((a: RepositoryAuthDto) => a.type === 'sshKey')
  @IsString() @MaxLength(32768) @Matches(/^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/, { message: 'privateKey must be a PEM or OpenSSH private key' })
  privateKey?: string;

  @ApiPropertyOptional({ description: 'sshKey: known_hosts lines; without them the first host key seen is trusted and kept' })
  @IsOptional() @IsString() @MaxLength(65536)
  knownHosts?: string;
}

class RepositoryFieldsDto {
  @ApiPropertyOptional({ default: 'main' })
  @IsOptional() @IsString() @Matches(BRANCH, { message: 'branch must be a valid git branch name' })
  branch?: string;

  @ApiPropertyOptional({ type: 'integer', default: 120, minimum: 1, maximum: 86400, description: 'at least git.minPollIntervalSeconds (10 by default)' })
  @IsOptional() @IsInt() @Min(1) @Max(86_400)
  pollIntervalSeconds?: number;

  @ApiPropertyOptional({ type: RepositoryAuthDto, nullable: true, description: 'null removes stored credentials' })
  @IsOptional() @ValidateNested() @Type(() => RepositoryAuthDto)
  auth?: RepositoryAuthDto | null;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'shared secret of push webhooks; null removes it' })
  @IsOptional() @IsString() @Matches(/^[\x21-\x7e]{16,256}$/, { message: 'webhookSecret must be 16 to 256 printable characters without spaces' })
  webhookSecret?: string | null;
}

export class CreateRepositoryDto extends RepositoryFieldsDto {
  @ApiProperty({ example: 'deploy' })
  @IsString() @MaxLength(63) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;

  @ApiProperty({ example: 'https://github.com/acme/deploy.git' })
  @IsString() @MaxLength(2048)
  url!: string;
}

export class UpdateRepositoryDto extends RepositoryFieldsDto {
  @ApiPropertyOptional({ description: 'cannot change' })
  @IsOptional() @Equals(undefined, { message: 'name cannot be changed; register a new repository instead' })
  name?: string;

  @ApiPropertyOptional({ example: 'https://github.com/acme/deploy.git' })
  @IsOptional() @IsString() @MaxLength(2048)
  url?: string;
}
