import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AccessDenials } from '../auth/access-denials';
import { AuditLog } from './audit-log';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';

@Global()
@Module({
  controllers: [AuditController],
  providers: [
    AuditLog,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    // the guard's refusals land in the audit log without auth importing audit
    { provide: AccessDenials, useFactory: (log: AuditLog): AccessDenials => ({ record: async (d) => void (await log.record({ ...d, outcome: 'denied' })) }), inject: [AuditLog] },
  ],
  exports: [AuditLog, AccessDenials],
})
export class AuditModule {}
