import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AccessDenials } from '../auth/access-denials';
import { AppConfig } from '../config/app-config';
import { AuditChainRekey } from './audit-chain-rekey';
import { AuditCheckpoints } from './audit-checkpoints';
import { AuditLog } from './audit-log';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { CheckpointFile } from './checkpoint-file';

@Global()
@Module({
  controllers: [AuditController],
  providers: [
    AuditLog,
    AuditChainRekey,
    AuditCheckpoints,
    { provide: CheckpointFile, inject: [AppConfig], useFactory: (config: AppConfig) => new CheckpointFile(config.audit.checkpointFile) },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    // the guard's refusals land in the audit log without auth importing audit
    { provide: AccessDenials, useFactory: (log: AuditLog): AccessDenials => ({ record: async (d) => void (await log.record({ ...d, outcome: 'denied' })) }), inject: [AuditLog] },
  ],
  exports: [AuditLog, AccessDenials],
})
export class AuditModule {}
