import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Cluster, CLUSTER_PHASES, ClusterAuthType, ClusterPhase } from '../cluster.entity';

// `satisfies Record<…>` makes the compiler name any value of the type the enum would leave out.
const AUTH_TYPES = Object.keys({ bearerToken: 0, clientCertificate: 0 } satisfies Record<ClusterAuthType, 0>) as ClusterAuthType[];
const SOURCES = Object.keys({ fields: 0, kubeconfig: 0 } satisfies Record<Cluster['source'], 0>) as Cluster['source'][];

export class ClusterTlsView {
  @ApiPropertyOptional({ description: 'base64 of the PEM CA bundle; absent when the system roots are used' })
  caData?: string;

  @ApiProperty()
  insecureSkipVerify!: boolean;
}

/** Which credentials are stored, never the credentials. */
export class ClusterAuthView {
  @ApiProperty({ enum: AUTH_TYPES, enumName: 'ClusterAuthType' })
  type!: ClusterAuthType;

  @ApiPropertyOptional({ description: 'true, present when type is bearerToken' })
  hasToken?: boolean;

  @ApiPropertyOptional({ description: 'true, present when type is clientCertificate' })
  hasClientCertificate?: boolean;
}

export class ClusterStatusView {
  @ApiProperty({ enum: CLUSTER_PHASES, enumName: 'ClusterPhase' })
  phase!: ClusterPhase;

  @ApiProperty({ type: String, nullable: true, example: 'v1.31.2' })
  kubernetesVersion!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'what the last check found, in words a person can act on' })
  message!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastCheckedAt!: Date | null;
}

export class ClusterView {
  @ApiProperty({ example: 'prod-eu' })
  name!: string;

  @ApiProperty({ example: 'https://prod-eu.example.com:6443' })
  server!: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { env: 'prod', region: 'eu' } })
  labels!: Record<string, string>;

  @ApiProperty({ type: ClusterTlsView })
  tls!: ClusterTlsView;

  @ApiProperty({ type: ClusterAuthView })
  auth!: ClusterAuthView;

  @ApiProperty({ enum: SOURCES, enumName: 'ClusterSource', description: 'registered with fields or from a kubeconfig' })
  source!: Cluster['source'];

  @ApiPropertyOptional({ description: 'the kubeconfig context it was taken from' })
  context?: string;

  @ApiProperty({ type: ClusterStatusView })
  status!: ClusterStatusView;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: Date;
}

/** What the API shows of a cluster: everything but the credentials. */
export function clusterView(c: Cluster): ClusterView {
  return {
    name: c.name,
    server: c.server,
    labels: c.labels,
    tls: { caData: c.caData ?? undefined, insecureSkipVerify: c.insecureSkipVerify },
    auth: { type: c.authType, ...(c.authType === 'bearerToken' ? { hasToken: true } : { hasClientCertificate: true }) },
    source: c.source,
    ...(c.kubeconfigContext ? { context: c.kubeconfigContext } : {}),
    status: { phase: c.phase, kubernetesVersion: c.kubernetesVersion, message: c.message, lastCheckedAt: c.lastCheckedAt },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
