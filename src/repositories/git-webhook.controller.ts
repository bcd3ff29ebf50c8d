import { Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '../audit/audit-log';
import { FailedAuthLimiter } from '../auth/failed-auth-limiter';
import { Public } from '../auth/public.decorator';
import { receivePush } from '../git';
import { RepositoriesService } from './repositories.service';

/**
 * `POST /api/v1/webhooks/git`: push events from GitHub, GitLab and Gitea/Forgejo. Authenticated
 * by the repository's webhook secret (constant-time), not by an API token. Answers at once; the
 * refresh runs afterwards, coalesced, so a burst of pushes costs one fetch plus at most one more.
 */
@ApiTags('webhooks')
@Public()
@Controller('api/v1/webhooks/git')
export class GitWebhookController {
  private readonly log = new Logger(GitWebhookController.name);

  constructor(
    private readonly repositories: RepositoriesService,
    private readonly audit: AuditLog,
    private readonly limiter: FailedAuthLimiter,
  ) {}

  @Post()
  @HttpCode(202)
  async receive(@Req() req: Request & { rawBody?: Buffer }, @Res() res: Response): Promise<void> {
    // bad signatures count as failed authentications: past the limit an address is refused
    // before anything is checked or audited, so a flood cannot fill the audit log
    const address = req.socket.remoteAddress ?? 'unknown';
    const wait = this.limiter.retryAfter(address);
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      res.status(429).json({ statusCode: 429, error: 'Too Many Requests', message: 'too many failed authentications from this address; try again later' });
      return;
    }
    const outcome = receivePush(req.headers, req.rawBody ?? Buffer.alloc(0), {
      match: (urls) => this.repositories.mirrors.match(urls),
      secretOf: (name) => this.repositories.webhookSecretOf(name),
    });
    const accepted = outcome.status === 202;
    if (outcome.status === 401) this.limiter.fail(address);
    res.status(outcome.status).json(
      accepted
        ? { accepted: true, repositories: outcome.repositories, message: outcome.reason }
        : { statusCode: outcome.status, error: outcome.status === 401 ? 'Unauthorized' : 'Bad Request', message: outcome.reason },
    );
    await this.audit.record({
      actor: `webhook:${outcome.forge ?? 'unknown'}`,
      action: 'webhooks.git',
      subject: outcome.repositories.join(',') || null,
      outcome: accepted ? 'accepted' : 'rejected',
      details: { status: outcome.status, reason: outcome.reason, ref: outcome.event?.ref, after: outcome.event?.after },
    });
    for (const name of outcome.repositories) {
      this.repositories.refresh(name).catch((e) => this.log.warn({ repository: name, err: e }, 'refresh after push failed'));
    }
  }
}
