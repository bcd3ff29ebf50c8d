import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log';
import { FailedAuthLimiter } from '../auth/failed-auth-limiter';
import { Database } from '../database/database';
import { NO_REPOSITORY, receivePush, type WebhookHeaders } from '../git';
import { InvalidInputError, UnauthorizedError } from '../shared/errors';
import type { PushReceiptView } from './dto/push-receipt.view';
import { RepositoryFetches } from './repository-fetches';
import { RepositorySecrets } from './repository-secrets';
import { Repository } from './repository.entity';

/**
 * Push webhooks from GitHub, GitLab and Gitea/Forgejo: authenticated by the repository's webhook
 * secret (constant-time), not by an API token. Every answer but a 429 is audited; a good push
 * refreshes the repository afterwards, coalesced, so a burst of pushes costs one fetch plus at
 * most one more.
 */
@Injectable()
export class PushReceiver {
  private readonly log = new Logger(PushReceiver.name);
  /** a sealed random secret, opened when there is no real one to open (see webhookSecretOf) */
  private readonly decoy: Repository;

  constructor(
    private readonly db: Database,
    private readonly fetches: RepositoryFetches,
    private readonly secrets: RepositorySecrets,
    private readonly limiter: FailedAuthLimiter,
    private readonly audit: AuditLog,
  ) {
    this.decoy = { name: NO_REPOSITORY, webhookSecret: secrets.sealWebhookSecret(randomBytes(24).toString('base64url')) } as Repository;
  }

  async receive(headers: WebhookHeaders, body: Buffer, address: string): Promise<PushReceiptView> {
    const outcome = await receivePush(headers, body, { match: (urls) => this.fetches.match(urls), secretOf: (name) => this.webhookSecretOf(name) });
    // Bad signatures count as failed authentications of the client address. A verified push always passes;
    // past the limit a failure is answered 429 without an audit write, so a flood of forgeries
    // can neither fill the audit log nor lock out the forge's real pushes.
    if (outcome.status === 401) this.limiter.fail(address);
    const accepted = outcome.status === 202;
    await this.audit.record({
      actor: `webhook:${outcome.forge ?? 'unknown'}`,
      action: 'webhooks.git',
      subject: outcome.repositories.join(',') || null,
      outcome: accepted ? 'accepted' : 'rejected',
      details: { status: outcome.status, reason: outcome.detail ?? outcome.reason, ref: outcome.event?.ref, after: outcome.event?.after },
    });
    if (outcome.status === 401) throw new UnauthorizedError(outcome.reason);
    if (outcome.status === 400) throw new InvalidInputError(outcome.reason);
    for (const name of outcome.repositories) {
      this.fetches.refresh(name, 'webhook').catch((e) => this.log.warn({ repository: name, err: e }, 'refresh after push failed'));
    }
    return { accepted: true, repositories: outcome.repositories, message: outcome.reason };
  }

  /**
   * The repository's webhook secret, at the same cost whatever the name: one query of the same
   * shape, and one decryption — of the decoy when there is no such repository (NO_REPOSITORY
   * included) or it has no secret — so the time taken does not tell which URLs are registered.
   */
  private async webhookSecretOf(name: string): Promise<string | undefined> {
    const row = await this.db.manager.getRepository(Repository).findOne({ where: { name }, select: { name: true, webhookSecret: true } });
    const found = row?.webhookSecret ? row : null;
    const secret = this.secrets.webhookSecretOf(found ?? this.decoy);
    return found ? secret : undefined;
  }
}
