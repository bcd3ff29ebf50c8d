import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/public.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { PushReceiptView } from './dto/push-receipt.view';
import { PushReceiver } from './push-receiver';

/** `POST /api/v1/webhooks/git`: push events, authenticated by the repository's webhook secret. */
@ApiTags('webhooks')
@Public()
@Controller('api/v1/webhooks/git')
export class GitWebhookController {
  constructor(private readonly receiver: PushReceiver) {}

  @Post()
  @HttpCode(202)
  @ApiBody({ description: 'a push event of GitHub, GitLab or Gitea/Forgejo, signed with the repository webhook secret', schema: { type: 'object', additionalProperties: true } })
  @ApiAcceptedResponse({ type: PushReceiptView, description: 'verified; the repositories named are refreshed after the answer' })
  @ApiErrors(400, 401, 413, 415, 429)
  receive(@Req() req: Request & { rawBody?: Buffer }): Promise<PushReceiptView> {
    return this.receiver.receive(req.headers, req.rawBody ?? Buffer.alloc(0), req.ip ?? 'unknown');
  }
}
