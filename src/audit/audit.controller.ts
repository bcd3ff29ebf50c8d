import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { ApiErrors } from '../common/dto/error.view';
import { AuditLog } from './audit-log';
import { parseAnchor } from './audit-chain';
import { AuditQueryDto, AuditVerifyQueryDto } from './dto/audit-query.dto';
import { auditEntryView, AuditHeadView, AuditPageView, AuditVerificationView } from './dto/audit.view';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @MinRole('viewer')
  @ApiOperation({ operationId: 'listAuditEntries', summary: 'List audit entries, newest first' })
  @ApiOkResponse({ type: AuditPageView })
  @ApiErrors(400, 401, 429)
  async list(@Query() q: AuditQueryDto): Promise<AuditPageView> {
    const page = await this.audit.list({
      ...q,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      limit: q.limit ?? 100,
      cursor: q.cursor ? Number(q.cursor) : undefined,
    });
    return { items: page.items.map(auditEntryView), nextCursor: page.nextCursor };
  }

  @Get('head')
  @MinRole('viewer')
  @ApiOperation({ operationId: 'getAuditHead', summary: 'The newest audit entry, to record outside Flotilla as an anchor' })
  @ApiOkResponse({ type: AuditHeadView, description: 'pass it later as /audit/verify?anchor=<seq>:<hash> to find entries removed from the end' })
  @ApiErrors(401, 429)
  head(): Promise<AuditHeadView> {
    return this.audit.head();
  }

  @Get('verify')
  @MinRole('viewer')
  @ApiOperation({ operationId: 'verifyAuditLog', summary: 'Verify the hash chain of the audit log' })
  @ApiOkResponse({
    type: AuditVerificationView,
    description:
      'walks the whole chain under its key; ok is false at the first entry that was edited or removed, or when the anchor or the latest checkpoint names an entry that is gone or differs',
  })
  @ApiErrors(400, 401, 429)
  verify(@Query() q: AuditVerifyQueryDto): Promise<AuditVerificationView> {
    return this.audit.verify(q.anchor ? parseAnchor(q.anchor) : undefined);
  }
}
