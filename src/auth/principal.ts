import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Role } from './api-token.entity';

/** Who is calling: the token's name and role. */
export interface Principal {
  name: string;
  role: Role;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest().principal;
});
