import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AccessDenials } from './access-denials';
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
    private readonly denials: AccessDenials,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const match = BEARER.exec(req.header('authorization') ?? '');
    const principal = match ? await this.tokens.authenticate(match[1]) : null;
    if (!principal) {
      // the client address as Express derives it: X-Forwarded-For only from server.trustedProxies.
      // Only failures are limited (429 past the limit, unaudited); a valid token always passes.
      this.limiter.fail(req.ip ?? 'unknown');
      const reason = match ? 'invalid or revoked token' : 'missing bearer token';
      await this.denials.record({ actor: 'anonymous', action: 'auth.failed', subject: `${req.method} ${req.path}`, details: { reason } });
      throw new UnauthorizedException(match ? 'invalid or revoked token' : 'an Authorization: Bearer <token> header is required');
    }

    const required = this.reflector.getAllAndOverride<Role>(REQUIRED_ROLE, targets) ?? 'admin';
    if (roleRank(principal.role) < roleRank(required)) {
      await this.denials.record({ actor: principal.name, role: principal.role, action: 'auth.forbidden', subject: `${req.method} ${req.path}`, details: { required } });
      throw new ForbiddenException(`role ${principal.role} may not ${req.method} ${req.path}: it needs ${required}`);
    }
    req.principal = principal;
    return true;
  }
}
