import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { MinRole } from '../auth/roles.decorator';
import { AuditLog } from './audit-log';
import { AuditQueryDto } from './dto/audit-query.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @MinRole('viewer')
  async list(@Query() q: AuditQueryDto) {
    const page = await this.audit.list({
      ...q,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      limit: q.limit ?? 100,
      cursor: q.cursor ? Number(q.cursor) : undefined,
    });
    return { items: page.items.map(({ details, ...e }) => ({ ...e, details: JSON.parse(details) })), nextCursor: page.nextCursor };
  }

  @Get('verify')
  @MinRole('viewer')
  verify() {
    return this.audit.verify();
  }
}
