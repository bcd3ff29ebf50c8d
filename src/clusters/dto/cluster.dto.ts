import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Equals, IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, registerDecorator, ValidateIf, ValidateNested, ValidationArguments,
} from 'class-validator';
import { certificateProblem, privateKeyProblem } from '../../common/pem';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../../common/validation';
import { validLabelKey, validLabelValue } from '../label-selector';

function Custom(check: (value: unknown, property: string) => string | null) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => check(value, args.property) === null,
        defaultMessage: (args: ValidationArguments) => check(args.value, args.property) ?? 'invalid',
      },
    });
}

const Certificate = () => Custom((v, p) => (typeof v === 'string' ? certificateProblem(p, v) : `${p} must be a string`));
const PrivateKey = () => Custom((v, p) => (typeof v === 'string' ? privateKeyProblem(p, v) : `${p} must be a string`));
const LabelMap = () =>
  Custom((v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p} must be an object of string values`;
    const entries = Object.entries(v);
    if (entries.length > 64) return `${p} may hold at most 64 labels`;
    for (const [k, val] of entries) {
      if (!validLabelKey(k)) return `${p}: "${k.slice(0, 80)}" is not a valid label key`;
      if (typeof val !== 'string' || !validLabelValue(val)) return `${p}.${k} must be a valid label value (at most 63 characters: letters, digits, "-", "_", ".")`;
    }
    return null;
  });

export class TlsDto {
  @ApiPropertyOptional({ description: 'base64 of the PEM CA bundle' })
  @IsOptional() @IsString() @MaxLength(65536) @Certificate()
  caData?: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional() @IsBoolean()
  insecureSkipVerify?: boolean;
}

export class ClusterAuthDto {
  @ApiProperty({ enum: ['bearerToken', 'clientCertificate'], enumName: 'ClusterAuthType' })
  @IsIn(['bearerToken', 'clientCertificate'], { message: 'auth.type must be bearerToken or clientCertificate' })
  type!: 'bearerToken' | 'clientCertificate';

  @ApiPropertyOptional({ writeOnly: true })
  @ValidateIf((a: ClusterAuthDto) => a.type === 'bearerToken')
  @IsString() @MaxLength(16384) @Matches(/^[\x21-\x7e]+$/, { message: 'token must be printable characters without spaces' })
  token?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'base64 PEM client certificate' })
  @ValidateIf((a: ClusterAuthDto) => a.type === 'clientCertificate')
  @IsString() @MaxLength(65536) @Certificate()
  certData?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'base64 PEM private key' })
  @ValidateIf((a: ClusterAuthDto) => a.type === 'clientCertificate')
  @IsString() @MaxLength(65536) @PrivateKey()
  keyData?: string;
}

class ClusterFieldsDto {
  @ApiPropertyOptional({ example: 'https://prod-eu.example.com:6443' })
  @IsOptional() @IsString() @MaxLength(2048) @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'server must be an https:// URL without query or fragment' })
  server?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { env: 'prod', region: 'eu' } })
  @IsOptional() @IsObject() @LabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ type: TlsDto })
  @IsOptional() @ValidateNested() @Type(() => TlsDto)
  tls?: TlsDto;

  @ApiPropertyOptional({ type: ClusterAuthDto })
  @IsOptional() @ValidateNested() @Type(() => ClusterAuthDto)
  auth?: ClusterAuthDto;

  @ApiPropertyOptional({ writeOnly: true, description: 'a kubeconfig document instead of server/tls/auth (exec plugins refused)' })
  @IsOptional() @IsString() @MaxLength(262144)
  kubeconfig?: string;

  @ApiPropertyOptional({ description: 'context of the kubeconfig; its current-context when absent' })
  @IsOptional() @IsString() @MaxLength(253)
  context?: string;
}

export class CreateClusterDto extends ClusterFieldsDto {
  @ApiProperty({ example: 'prod-eu' })
  @IsString() @MaxLength(63) @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;
}

export class UpdateClusterDto extends ClusterFieldsDto {
  @ApiPropertyOptional({ description: 'cannot change; present only to say so clearly' })
  @IsOptional() @Equals(undefined, { message: 'name cannot be changed; register a new cluster instead' })
  name?: string;
}

export class ListClustersQuery {
  @ApiPropertyOptional({ example: 'env=prod,tier!=edge' })
  @IsOptional() @IsString() @MaxLength(4096)
  selector?: string;
}
