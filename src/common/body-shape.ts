// The shape of a request body, checked against its DTO before the ValidationPipe sees it, for two
// things the pipe cannot see:
//  - null. @IsOptional() lets null past every other validator, so `PATCH {"branch": null}` went
//    on to the database (NOT NULL constraint: a 500) and `{"syncPolicy": {"automated": null}}`
//    was stored. Null is accepted exactly where the OpenAPI document says `nullable: true` (there
//    it means "remove" or "reset", as the property's description says); anywhere else it is a 400
//    naming the field, nested fields by their path. The document and the rule cannot disagree:
//    both read the same @ApiProperty options.
//  - fields named like members of Object.prototype (constructor, toString, __proto__ …).
//    class-transformer drops them while building the DTO, before class-validator's whitelist
//    looks, so forbidNonWhitelisted never saw them: a PATCH carrying one answered 200 (a POST
//    failed only for its missing required fields). Every field the DTO does not declare is
//    refused here, in the ValidationPipe's words.
import { BadRequestException, CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { DECORATORS } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { Request } from 'express';
import { Observable, throwError } from 'rxjs';

/** What @ApiProperty recorded of a property (the part read here). */
interface PropertyDoc {
  type?: unknown;
  isArray?: boolean;
  nullable?: boolean;
}

const declaredCache = new WeakMap<Function, ReadonlySet<string>>();

/** The properties class-validator holds rules for: what its whitelist lets through. Empty: not a DTO. */
function declaredProperties(cls: Function): ReadonlySet<string> {
  let names = declaredCache.get(cls);
  if (!names) {
    names = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(cls, '', false, false)
        .map((r) => r.propertyName),
    );
    declaredCache.set(cls, names);
  }
  return names;
}

function propertyDoc(cls: Function, key: string): PropertyDoc | undefined {
  return Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, cls.prototype as object, key) as PropertyDoc | undefined;
}

/** The DTO a property holds (`type: X` or `type: [X]`, also given lazily as `() => X`), if any. */
function nestedDto(doc: PropertyDoc | undefined): Function | undefined {
  let type = doc?.type;
  // a lazy type is an arrow function: no prototype, unlike a class
  if (typeof type === 'function' && type.prototype === undefined) type = (type as () => unknown)();
  if (Array.isArray(type)) type = type[0];
  return typeof type === 'function' && declaredProperties(type).size > 0 ? type : undefined;
}

/**
 * The problems of `body` for DTO class `dto`: fields it does not declare, and nulls where its
 * documentation does not say nullable, down through the DTOs it nests (arrays of them too).
 * Messages name the field by its path as the ValidationPipe does (`rollout.waves.0.name`).
 * Everything else (types, ranges, required fields) is left to the ValidationPipe.
 */
export function bodyShapeProblems(dto: Function, body: unknown, at = ''): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const declared = declaredProperties(dto);
  const problems: string[] = [];
  for (const key of Object.keys(body)) {
    if (!declared.has(key)) {
      problems.push(`${at}property ${key} should not exist`);
      continue;
    }
    const value = (body as Record<string, unknown>)[key];
    const doc = propertyDoc(dto, key);
    if (value === null) {
      if (!doc?.nullable) problems.push(`${at}${key} must not be null`);
      continue;
    }
    const nested = nestedDto(doc);
    if (!nested || Array.isArray(value) !== Boolean(doc?.isArray)) continue;
    if (Array.isArray(value)) value.forEach((item, i) => problems.push(...bodyShapeProblems(nested, item, `${at}${key}.${i}.`)));
    else problems.push(...bodyShapeProblems(nested, value, `${at}${key}.`));
  }
  return problems;
}

/**
 * Answers 400 with bodyShapeProblems' messages, before the ValidationPipe (interceptors run
 * before pipes), for every route whose whole body is a DTO (`@Body() dto: SomeDto`).
 */
@Injectable()
export class BodyShapeInterceptor implements NestInterceptor {
  private readonly bodyTypes = new WeakMap<Function, Function | null>();

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const dto = this.bodyType(ctx.getClass(), ctx.getHandler());
    if (!dto) return next.handle();
    const problems = bodyShapeProblems(dto, ctx.switchToHttp().getRequest<Request>().body);
    return problems.length ? throwError(() => new BadRequestException(problems)) : next.handle();
  }

  /** The DTO class of the handler's `@Body()` parameter (the whole body), or null. */
  private bodyType(controller: Function, handler: Function): Function | null {
    let type = this.bodyTypes.get(handler);
    if (type === undefined) {
      type = null;
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<string, { index: number; data?: unknown }>;
      const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, handler.name) ?? []) as unknown[];
      for (const [key, arg] of Object.entries(args)) {
        const candidate = types[arg.index];
        if (key === `${RouteParamtypes.BODY}:${arg.index}` && arg.data === undefined && typeof candidate === 'function' && declaredProperties(candidate).size > 0) type = candidate;
      }
      this.bodyTypes.set(handler, type);
    }
    return type;
  }
}
