import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { HEALTH_STATUSES, type HealthStatus } from '../../engine';
import { SYNC_STATUSES } from '../target.entity';

export class TreeNodeView {
  @ApiProperty() group!: string;
  @ApiProperty() version!: string;
  @ApiProperty() kind!: string;
  @ApiPropertyOptional() namespace?: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: HEALTH_STATUSES, enumName: 'HealthStatus' }) health!: HealthStatus;
  @ApiPropertyOptional({ enum: SYNC_STATUSES, enumName: 'SyncStatus', description: 'applied objects only' }) sync?: string;
  @ApiPropertyOptional({ description: 'true for objects Flotilla applied; children have none' }) applied?: boolean;
  @ApiPropertyOptional() message?: string;
  @ApiProperty({ type: () => [TreeNodeView] }) children!: TreeNodeView[];
}

export const TREE_LINK_KINDS = ['selects', 'routes'] as const;

/** A relation between two objects of the tree that no ownerReference records. */
export class TreeLinkView {
  @ApiProperty({ description: 'the key (group/kind/namespace/name) of the Service or Ingress', example: '/Service/shop/web' }) from!: string;
  @ApiProperty({ description: 'the key (group/kind/namespace/name) of the Pod or Service', example: '/Pod/shop/web-5d9c7-a1b2c' }) to!: string;
  @ApiProperty({
    enum: TREE_LINK_KINDS,
    enumName: 'TreeLinkKind',
    description: "selects: the Service's spec.selector matches the Pod's labels; routes: the Ingress's rules or default backend name the Service",
  })
  kind!: (typeof TREE_LINK_KINDS)[number];
}

export class TreeView {
  @ApiProperty() application!: string;
  @ApiProperty() cluster!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'when it was read from the cluster' }) readAt!: Date;
  @ApiProperty({ type: [TreeNodeView] }) nodes!: TreeNodeView[];
  @ApiProperty({
    type: [TreeLinkView],
    description:
      "Services to the Pods they select and Ingresses to the Services they route to, among the tree's objects (same namespace); a key is group/kind/namespace/name of a node",
  })
  links!: TreeLinkView[];
}

export class ObjectQuery {
  @ApiPropertyOptional({ type: 'string', maxLength: 253, description: 'API group; empty for the core group' })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  group?: string;

  @ApiPropertyOptional({ type: 'string', pattern: '^v[0-9a-z]+$', maxLength: 32, default: 'v1' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  @Matches(/^v[0-9a-z]+$/, { message: 'version must look like v1, v1beta1' })
  version?: string;

  @ApiPropertyOptional({ type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$', maxLength: 63 })
  @IsString()
  @MaxLength(63)
  @Matches(/^[A-Z][A-Za-z0-9]*$/, { message: 'kind must be a Kubernetes kind, e.g. Deployment' })
  kind!: string;

  @ApiPropertyOptional({ type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 })
  @IsString()
  @MaxLength(253)
  @Matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'name must be a Kubernetes object name' })
  name!: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 63, description: "the object's namespace; absent for cluster-scoped objects" })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  namespace?: string;
}
