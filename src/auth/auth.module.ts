import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiTokensService } from './api-tokens.service';
import { AuthGuard } from './auth.guard';
import { FailedAuthLimiter } from './failed-auth-limiter';
import { TokensController } from './tokens.controller';
import { WhoAmIController } from './whoami.controller';

@Global()
@Module({
  controllers: [TokensController, WhoAmIController],
  providers: [ApiTokensService, FailedAuthLimiter, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiTokensService, FailedAuthLimiter],
})
export class AuthModule {}
