import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RefreshResult } from '../../git';
import { Repository } from '../repository.entity';

export class RepositoryAuthView {
  @ApiProperty({ enum: ['basic', 'sshKey'], enumName: 'RepositoryAuthType' })
  type!: 'basic' | 'sshKey';

  @ApiPropertyOptional({ description: 'basic: the user name' })
  username?: string;

  @ApiPropertyOptional({ description: 'basic: true; the password itself is never shown' })
  hasPassword?: boolean;

  @ApiPropertyOptional({ description: 'sshKey: true; the key itself is never shown' })
  hasPrivateKey?: boolean;

  @ApiPropertyOptional({ description: 'sshKey: the known_hosts lines given, if any' })
  knownHosts?: string;
}

export class RepositoryStatusView {
  @ApiProperty({ type: String, nullable: true, description: 'SHA of the branch head after the last good fetch' })
  revision!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastFetchedAt!: Date | null;

  @ApiProperty({ description: 'why the last fetch failed or found no branch; empty when all is well' })
  message!: string;
}

export class RepositoryView {
  @ApiProperty({ example: 'deploy' })
  name!: string;

  @ApiProperty({ example: 'https://github.com/acme/deploy.git' })
  url!: string;

  @ApiProperty({ example: 'main' })
  branch!: string;

  @ApiProperty({ type: 'integer', example: 120 })
  pollIntervalSeconds!: number;

  @ApiProperty({ type: RepositoryAuthView, nullable: true, description: 'null when the repository needs no credentials' })
  auth!: RepositoryAuthView | null;

  @ApiProperty()
  hasWebhookSecret!: boolean;

  @ApiProperty({ type: RepositoryStatusView })
  status!: RepositoryStatusView;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: Date;
}

/** The answer of a refresh: the branch head and every branch and tag the fetch saw. */
export class RepositoryRefreshView {
  @ApiProperty({ type: String, nullable: true, description: 'SHA of the branch head; null when the branch does not exist' })
  revision!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'full ref name → SHA', example: { 'refs/heads/main': '0123abc…' } })
  refs!: Record<string, string>;

  @ApiProperty({ description: 'whether the branch head moved with this fetch' })
  moved!: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  fetchedAt!: Date;
}

/** What the API shows of a repository: everything but the credentials and the webhook secret. */
export function repositoryView(r: Repository): RepositoryView {
  return {
    name: r.name,
    url: r.url,
    branch: r.branch,
    pollIntervalSeconds: r.pollIntervalSeconds,
    auth:
      // basic auth is always stored with a user name; `?? ''` only narrows the column's type
      r.authType === 'basic'
        ? { type: 'basic', username: r.username ?? '', hasPassword: true }
        : r.authType === 'sshKey'
          ? { type: 'sshKey', hasPrivateKey: true, knownHosts: r.knownHosts ?? undefined }
          : null,
    hasWebhookSecret: r.webhookSecret !== null,
    status: { revision: r.revision, lastFetchedAt: r.lastFetchedAt, message: r.message ?? '' },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export function refreshView(result: RefreshResult): RepositoryRefreshView {
  return { revision: result.revision ?? null, refs: result.refs, moved: result.moved, fetchedAt: result.fetchedAt };
}
