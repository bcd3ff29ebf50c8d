import { CanActivate, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AuditLog } from '../audit/audit-log';
import { Role } from './api-token.entity';
import { ApiTokensService } from './api-tokens.service';
import { FailedAuthLimiter } from './failed-auth-limiter';
import { Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { REQUIRED_ROLE, roleRank } from './roles.decorator';

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/** The one gate of every route: bearer token → principal → role check. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
    private readonly limiter: FailedAuthLimiter,
    private readonly audit: AuditLog,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const address = req.socket.remoteAddress ?? 'unknown';

    const wait = this.limiter.retryAfter(address);
    if (wait > 0) {
      ctx.switchToHttp().getResponse<Response>().setHeader('retry-after', String(wait));
      throw new HttpException('too many failed authentications from this address; try again later', HttpStatus.TOO_MANY_REQUESTS);
    }

    const match = BEARER.exec(req.header('authorization') ?? '');
    const principal = match ? await this.tokens.authenticate(match[1]) : null;
    if (!principal) {
      this.limiter.fail(address);
      const reason = match ? 'invalid or revoked token' : 'missing bearer token';
      await this.audit.record({ actor: 'anonymous', action: 'auth.failed', subject: `${req.method} ${req.path}`, outcome: 'denied', details: { reason } });
      throw new UnauthorizedException(match ? 'invalid or revoked token' : 'an Authorization: Bearer <token> header is required');
    }

    const required = this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ?? 'admin';
    if (roleRank(principal.role) < roleRank(required)) {
      await this.audit.record({ actor: principal.name, role: principal.role, action: 'auth.forbidden', subject: `${req.method} ${req.path}`, outcome: 'denied', details: { required } });
      throw new ForbiddenException(`role ${principal.role} may not ${req.method} ${req.path}: it needs ${required}`);
    }
    req.principal = principal;
    return true;
  }
}
