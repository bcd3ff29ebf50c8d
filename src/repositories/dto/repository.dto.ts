import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../../common/validation';

// The OpenAPI options of every property say what its validators enforce (type, pattern, length,
// range), so a client generated from openapi.json refuses what the service would refuse.

// git check-ref-format, roughly: no "..", no control characters, spaces or ~^:?*[\, not starting with "-"
// eslint-disable-next-line no-control-regex -- refuses control characters and space (0x00-0x20, 0x7f) in a branch name, as git does
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[^\x00-\x20\x7f~^:?*[\\]{1,255}(?<![./])$/;
// eslint-disable-next-line no-control-regex -- refuses control characters (0x00-0x1f, 0x7f) in a username, on purpose
const USERNAME = /^[^\x00-\x1f\x7f:]+$/;
// eslint-disable-next-line no-control-regex -- refuses control characters (0x00-0x1f, 0x7f) in a password, on purpose
const PASSWORD = /^[^\x00-\x1f\x7f]+$/;
const PRIVATE_KEY = /^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/;
const WEBHOOK_SECRET = /^[\x21-\x7e]{16,256}$/;

export class RepositoryAuthDto {
  @ApiProperty({ enum: ['basic', 'sshKey'], enumName: 'RepositoryAuthType' })
  @IsIn(['basic', 'sshKey'], { message: 'auth.type must be basic or sshKey' })
  type!: 'basic' | 'sshKey';

  @ApiPropertyOptional({ type: 'string', description: 'basic: required; user name (for a token, e.g. x-access-token)', pattern: USERNAME.source, maxLength: 255 })
  @ValidateIf((a: RepositoryAuthDto) => a.type === 'basic')
  @IsString()
  @MaxLength(255)
  @Matches(USERNAME, { message: 'username must not contain ":" or control characters' })
  username?: string;

  @ApiPropertyOptional({ type: 'string', writeOnly: true, description: 'basic: required; password or token', pattern: PASSWORD.source, maxLength: 4096 })
  @ValidateIf((a: RepositoryAuthDto) => a.type === 'basic')
  @IsString()
  @MaxLength(4096)
  @Matches(PASSWORD, { message: 'password must not contain control characters' })
  password?: string;

  @ApiPropertyOptional({ type: 'string', writeOnly: true, description: 'sshKey: required; an OpenSSH or PEM private key', pattern: PRIVATE_KEY.source, maxLength: 32768 })
  @ValidateIf((a: RepositoryAuthDto) => a.type === 'sshKey')
  @IsString()
  @MaxLength(32768)
  @Matches(PRIVATE_KEY, { message: 'privateKey must be a PEM or OpenSSH private key' })
  privateKey?: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 65536, description: 'sshKey: known_hosts lines; without them the first host key seen is trusted and kept' })
  @IsOptional()
  @IsString()
  @MaxLength(65536)
  knownHosts?: string;
}

class RepositoryFieldsDto {
  @ApiPropertyOptional({ type: 'string', default: 'main', pattern: BRANCH.source, maxLength: 255, description: 'a git branch name' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(BRANCH, { message: 'branch must be a valid git branch name' })
  branch?: string;

  @ApiPropertyOptional({ type: 'integer', default: 120, minimum: 1, maximum: 86400, description: 'at least git.minPollIntervalSeconds (10 by default)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  pollIntervalSeconds?: number;

  @ApiPropertyOptional({ type: RepositoryAuthDto, nullable: true, description: 'null removes stored credentials' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RepositoryAuthDto)
  auth?: RepositoryAuthDto | null;

  @ApiPropertyOptional({
    type: 'string',
    writeOnly: true,
    nullable: true,
    pattern: WEBHOOK_SECRET.source,
    minLength: 16,
    maxLength: 256,
    description: 'shared secret of push webhooks: 16 to 256 printable characters without spaces; null removes it',
  })
  @IsOptional()
  @IsString()
  @Matches(WEBHOOK_SECRET, { message: 'webhookSecret must be 16 to 256 printable characters without spaces' })
  webhookSecret?: string | null;
}

export class CreateRepositoryDto extends RepositoryFieldsDto {
  @ApiProperty({ type: 'string', example: 'deploy', description: 'DNS-1123 label', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;

  @ApiProperty({
    type: 'string',
    example: 'https://github.com/acme/deploy.git',
    maxLength: 2048,
    description: 'https://…, ssh://… or user@host:path (http:// and git:// only when git.allowInsecureHttp is set)',
  })
  @IsString()
  @MaxLength(2048)
  url!: string;
}

export class UpdateRepositoryDto extends RepositoryFieldsDto {
  // not in the document: a name is never accepted here; the validator says so clearly
  @IsOptional()
  @Equals(undefined, { message: 'name cannot be changed; register a new repository instead' })
  name?: string;

  @ApiPropertyOptional({ type: 'string', example: 'https://github.com/acme/deploy.git', maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;
}
