import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Custom } from '../../common/dto/validators';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../../common/validation';
import { isReservedHeader } from '../senders/webhook';

const TOKEN = /^[\x21-\x7e]+$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

const HeaderMap = () =>
  Custom((v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p} must be an object of string values`;
    const entries = Object.entries(v);
    if (entries.length > 32) return `${p} may hold at most 32 headers`;
    for (const [i, [k, val]] of entries.entries()) {
      if (!HEADER_NAME.test(k)) return `${p}: header ${i + 1} has an invalid name`;
      if (isReservedHeader(k)) return `${p}: ${k} is set by Flotilla and cannot be replaced`;
      if (typeof val !== 'string' || val.length > 4096 || /[\r\n\0]/.test(val)) return `${p}.${k} must be a string of at most 4096 characters without line breaks`;
    }
    return null;
  });

export class SlackChannelDto {
  @ApiPropertyOptional({ type: 'string', writeOnly: true, description: 'bot token (xoxb-…); required when creating', pattern: TOKEN.source, maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(TOKEN, { message: 'slack.token must be printable characters without spaces' })
  token?: string;

  @ApiPropertyOptional({ type: 'string', example: '#deploys', maxLength: 255, description: 'channel id or name; required when creating' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  channel?: string;
}

export class WebhookChannelDto {
  @ApiPropertyOptional({
    type: 'string',
    example: 'https://hooks.example.com/flotilla',
    maxLength: 2048,
    description: 'http(s); required when creating. Link-local and metadata addresses are always refused, loopback and private ones unless hooks.allowPrivateNetworks',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    writeOnly: true,
    pattern: '^[\\x21-\\x7e]{16,256}$',
    maxLength: 256,
    description: 'signs every request as Standard Webhooks do (webhook-signature); null removes it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]{16,256}$/, { message: 'webhook.secret must be 16 to 256 printable characters without spaces' })
  secret?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 4096 },
    maxProperties: 32,
    writeOnly: true,
    description: 'sent with every request; values are kept sealed like secrets',
  })
  @IsOptional()
  @IsObject()
  @HeaderMap()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 120, default: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(120)
  timeoutSeconds?: number;
}

class ChannelFieldsDto {
  @ApiPropertyOptional({ type: SlackChannelDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SlackChannelDto)
  slack?: SlackChannelDto;

  @ApiPropertyOptional({ type: WebhookChannelDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebhookChannelDto)
  webhook?: WebhookChannelDto;
}

export class CreateChannelDto extends ChannelFieldsDto {
  @ApiProperty({ type: 'string', example: 'ops-slack', description: 'DNS-1123 label', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;

  @ApiProperty({ enum: ['slack', 'webhook'], enumName: 'ChannelType' })
  @IsIn(['slack', 'webhook'], { message: 'type must be slack or webhook' })
  type!: 'slack' | 'webhook';
}

export class UpdateChannelDto extends ChannelFieldsDto {
  @IsOptional()
  @Equals(undefined, { message: 'name cannot be changed; create a new channel instead' })
  name?: string;

  @IsOptional()
  @Equals(undefined, { message: 'type cannot be changed; create a new channel instead' })
  type?: string;
}

export class DeliveriesQuery {
  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ type: 'string', maxLength: 64, description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
}
