import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { Custom, LabelMap, LABELS_SCHEMA } from '../../common/dto/validators';
import { certificateProblem, privateKeyProblem } from '../../common/pem';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../../common/validation';

const Certificate = () => Custom((v, p) => (typeof v === 'string' ? certificateProblem(p, v) : `${p} must be a string`));
const PrivateKey = () => Custom((v, p) => (typeof v === 'string' ? privateKeyProblem(p, v) : `${p} must be a string`));

// The OpenAPI options of every property say what its validators enforce (type, pattern, length),
// so a client generated from openapi.json refuses what the service would refuse.

/** base64 as the PEM checks accept it (line breaks allowed) */
const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}\s*$/;
const TOKEN = /^[\x21-\x7e]+$/;
const SERVER = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;

export class TlsDto {
  @ApiPropertyOptional({ type: 'string', description: 'base64 of the PEM CA bundle', pattern: BASE64.source, maxLength: 65536 })
  @IsOptional()
  @IsString()
  @MaxLength(65536)
  @Certificate()
  caData?: string;

  @ApiPropertyOptional({ type: 'boolean', default: false })
  @IsOptional()
  @IsBoolean()
  insecureSkipVerify?: boolean;
}

export class ClusterAuthDto {
  @ApiProperty({ enum: ['bearerToken', 'clientCertificate'], enumName: 'ClusterAuthType' })
  @IsIn(['bearerToken', 'clientCertificate'], { message: 'auth.type must be bearerToken or clientCertificate' })
  type!: 'bearerToken' | 'clientCertificate';

  @ApiPropertyOptional({ type: 'string', writeOnly: true, description: 'bearerToken: required', pattern: TOKEN.source, maxLength: 16384 })
  @ValidateIf((a: ClusterAuthDto) => a.type === 'bearerToken')
  @IsString()
  @MaxLength(16384)
  @Matches(TOKEN, { message: 'token must be printable characters without spaces' })
  token?: string;

  @ApiPropertyOptional({ type: 'string', writeOnly: true, description: 'clientCertificate: required, base64 PEM client certificate', pattern: BASE64.source, maxLength: 65536 })
  @ValidateIf((a: ClusterAuthDto) => a.type === 'clientCertificate')
  @IsString()
  @MaxLength(65536)
  @Certificate()
  certData?: string;

  @ApiPropertyOptional({ type: 'string', writeOnly: true, description: 'clientCertificate: required, base64 PEM private key', pattern: BASE64.source, maxLength: 65536 })
  @ValidateIf((a: ClusterAuthDto) => a.type === 'clientCertificate')
  @IsString()
  @MaxLength(65536)
  @PrivateKey()
  keyData?: string;
}

class ClusterFieldsDto {
  @ApiPropertyOptional({
    type: 'string',
    example: 'https://prod-eu.example.com:6443',
    pattern: SERVER.source,
    maxLength: 2048,
    description: 'https:// (http:// only when clusters.allowInsecureHttp is set), without user-info, query or fragment',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(SERVER, { message: 'server must be an https:// URL without query or fragment' })
  server?: string;

  @ApiPropertyOptional({ ...LABELS_SCHEMA, example: { env: 'prod', region: 'eu' } })
  @IsOptional()
  @IsObject()
  @LabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ type: TlsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TlsDto)
  tls?: TlsDto;

  @ApiPropertyOptional({ type: ClusterAuthDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ClusterAuthDto)
  auth?: ClusterAuthDto;

  @ApiPropertyOptional({ type: 'string', writeOnly: true, maxLength: 262144, description: 'a kubeconfig document instead of server/tls/auth (exec plugins refused)' })
  @IsOptional()
  @IsString()
  @MaxLength(262144)
  kubeconfig?: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 253, description: 'context of the kubeconfig; its current-context when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  context?: string;
}

export class CreateClusterDto extends ClusterFieldsDto {
  @ApiProperty({ type: 'string', example: 'prod-eu', description: 'DNS-1123 label', pattern: DNS_LABEL.source, maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  name!: string;
}

export class UpdateClusterDto extends ClusterFieldsDto {
  // not in the document: a name is never accepted here; the validator says so clearly
  @IsOptional()
  @Equals(undefined, { message: 'name cannot be changed; register a new cluster instead' })
  name?: string;
}

export class ListClustersQuery {
  @ApiPropertyOptional({ type: 'string', example: 'env=prod,tier!=edge', maxLength: 4096 })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  selector?: string;
}
