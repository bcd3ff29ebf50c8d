import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { Principal } from '../auth/principal';
import { IS_PUBLIC } from '../auth/public.decorator';
import { AllExceptionsFilter } from '../common/errors/exception.filter';
import { AuditLog } from './audit-log';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const VERB: Record<string, string> = { POST: 'create', PUT: 'replace', PATCH: 'update', DELETE: 'delete' };

/** `POST /api/v1/clusters` → clusters.create; `POST /api/v1/clusters/:name/check` → clusters.check */
export function auditAction(method: string, routePath: string): string {
  const parts = routePath
    .replace(/^\/?api\/v1\/?/, '')
    .split('/')
    .filter((p) => p && !p.startsWith(':'));
  const [resource = 'root', ...rest] = parts;
  return rest.length ? `${resource}.${rest.join('.')}` : `${resource}.${VERB[method] ?? method.toLowerCase()}`;
}

/** What the client was told, in one line (validation messages included). */
function errorMessage(err: unknown): string {
  if (err instanceof HttpException) {
    const r = err.getResponse() as { message?: unknown } | string;
    const m = typeof r === 'string' ? r : r.message;
    if (Array.isArray(m)) return m.join('; ');
    if (m === undefined || m === null) return err.message;
    return typeof m === 'string' ? m : JSON.stringify(m);
  }
  return err instanceof Error ? err.message : String(err);
}

/** The status Nest will send for a handler that returned normally. */
function successStatus(ctx: ExecutionContext, method: string): number {
  return (Reflect.getMetadata(HTTP_CODE_METADATA, ctx.getHandler()) as number | undefined) ?? (method === 'POST' ? 201 : 200);
}

/** Audits every authenticated mutating call, whatever its outcome. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditLog,
    private readonly reflector: Reflector,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]);
    if (!MUTATING.has(req.method) || isPublic) return next.handle();
    const write = (outcome: string, status: number, error?: string) =>
      this.audit.record({
        actor: req.principal?.name ?? 'anonymous',
        role: req.principal?.role,
        action: auditAction(req.method, (req.route?.path as string | undefined) ?? req.path),
        subject: (req.params?.name as string | undefined) ?? (typeof req.body?.name === 'string' ? req.body.name : null),
        outcome,
        details: { method: req.method, path: req.path, status, body: req.body, ...(error ? { error } : {}) },
      });
    return next.handle().pipe(
      mergeMap((result) => from(write('success', successStatus(ctx, req.method)).then(() => result))),
      catchError((err: unknown) => {
        const status = AllExceptionsFilter.statusOf(err);
        const message = errorMessage(err);
        return from(write('failure', status, message)).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }
}
