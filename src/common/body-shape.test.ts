import { BadRequestException, Body, Param, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, ValidateNested } from 'class-validator';
import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { UpdateApplicationDto } from '../applications/dto/application.dto';
import { UpdateChannelDto } from '../channels/dto/channel.dto';
import { UpdateClusterDto } from '../clusters/dto/cluster.dto';
import { UpdateRepositoryDto } from '../repositories/dto/repository.dto';
import { BodyShapeInterceptor, bodyShapeProblems } from './body-shape';

class InnerDto {
  @ApiPropertyOptional({ type: 'integer' }) @IsOptional() @IsInt() count?: number;
  @ApiPropertyOptional({ type: 'string', nullable: true }) @IsOptional() @IsString() note?: string | null;
}

class OuterDto {
  @ApiPropertyOptional({ type: 'string' }) @IsOptional() @IsString() title?: string;
  @ApiPropertyOptional({ type: InnerDto, nullable: true }) @IsOptional() @ValidateNested() @Type(() => InnerDto) inner?: InnerDto | null;
  @ApiPropertyOptional({ type: [InnerDto] }) @IsOptional() @ValidateNested({ each: true }) @Type(() => InnerDto) list?: InnerDto[];
  @ApiPropertyOptional({ type: () => InnerDto }) @IsOptional() @ValidateNested() @Type(() => InnerDto) lazy?: InnerDto;
  // validated, not documented: never nullable
  @IsOptional() @IsString() hidden?: string;
}

describe('bodyShapeProblems', () => {
  it('accepts null exactly where the property is documented nullable, at any depth', () => {
    expect(bodyShapeProblems(OuterDto, { inner: null })).toEqual([]);
    expect(bodyShapeProblems(OuterDto, { inner: { note: null }, list: [{ note: null }] })).toEqual([]);
    expect(bodyShapeProblems(OuterDto, { title: null, hidden: null })).toEqual(['title must not be null', 'hidden must not be null']);
    expect(bodyShapeProblems(OuterDto, { inner: { count: null } })).toEqual(['inner.count must not be null']);
    expect(bodyShapeProblems(OuterDto, { list: [{ count: 1 }, { count: null }] })).toEqual(['list.1.count must not be null']);
    expect(bodyShapeProblems(OuterDto, { lazy: { count: null } })).toEqual(['lazy.count must not be null']);
  });

  it("refuses every undeclared field in the ValidationPipe's words, Object.prototype names included", () => {
    const body = JSON.parse(
      '{"title": "t", "bogus": 1, "constructor": 1, "toString": "x", "__proto__": {"polluted": true}, "inner": {"hasOwnProperty": 1}, "list": [{"valueOf": 2}]}',
    );
    expect(bodyShapeProblems(OuterDto, body)).toEqual([
      'property bogus should not exist',
      'property constructor should not exist',
      'property toString should not exist',
      'property __proto__ should not exist',
      'inner.property hasOwnProperty should not exist',
      'list.0.property valueOf should not exist',
    ]);
  });

  it('leaves types, shapes and free-form maps to the ValidationPipe', () => {
    expect(bodyShapeProblems(OuterDto, { title: 3, inner: [{ bogus: 1 }], list: { bogus: 1 }, lazy: 'x' })).toEqual([]);
    expect(bodyShapeProblems(UpdateApplicationDto, { labels: { constructor: 'x' }, helm: { values: { a: null, constructor: { b: null } } } })).toEqual([]);
  });

  it('follows the real DTOs: the documented nullable fields pass, the rest are named', () => {
    expect(bodyShapeProblems(UpdateRepositoryDto, { auth: null, webhookSecret: null })).toEqual([]);
    expect(bodyShapeProblems(UpdateRepositoryDto, { branch: null, url: null, pollIntervalSeconds: null, name: null })).toEqual([
      'branch must not be null',
      'url must not be null',
      'pollIntervalSeconds must not be null',
      'name must not be null',
    ]);
    expect(bodyShapeProblems(UpdateRepositoryDto, { auth: { type: 'basic', knownHosts: null } })).toEqual(['auth.knownHosts must not be null']);
    expect(bodyShapeProblems(UpdateApplicationDto, { revision: null, helm: null, rollout: { waves: [{ name: 'w', maxParallel: null }], orderBy: null } })).toEqual([]);
    expect(bodyShapeProblems(UpdateApplicationDto, { syncPolicy: { automated: null }, hooks: [{ on: null }], rollout: { waves: [{ soakSeconds: null }] } })).toEqual([
      'syncPolicy.automated must not be null',
      'hooks.0.on must not be null',
      'rollout.waves.0.soakSeconds must not be null',
    ]);
    expect(bodyShapeProblems(UpdateClusterDto, { labels: null, tls: { caData: null } })).toEqual(['labels must not be null', 'tls.caData must not be null']);
    expect(bodyShapeProblems(UpdateChannelDto, { webhook: { secret: null, timeoutSeconds: null } })).toEqual(['webhook.timeoutSeconds must not be null']);
  });
});

// the handlers are passed around unbound, as Nest's ExecutionContext.getHandler() hands them out
class FakeController {
  update(this: void, @Param('name') _name: string, @Body() _dto: OuterDto): void {}
  field(this: void, @Body('title') _title: string): void {}
}

describe('BodyShapeInterceptor', () => {
  const context = (handler: Function, body: unknown) =>
    ({ getType: () => 'http', getClass: () => FakeController, getHandler: () => handler, switchToHttp: () => ({ getRequest: () => ({ body }) }) }) as unknown as ExecutionContext;
  const handled: CallHandler = { handle: () => of('handled') };
  const run = (handler: Function, body: unknown) => lastValueFrom(new BodyShapeInterceptor().intercept(context(handler, body), handled));

  it('answers 400 with the problems of the @Body() DTO, before the handler (and its pipes) run', async () => {
    const err = await run(FakeController.prototype.update, { title: null, constructor: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as BadRequestException).getResponse()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['title must not be null', 'property constructor should not exist'],
    });
  });

  it('lets a sound body, a missing body and a route without a DTO body through', async () => {
    expect(await run(FakeController.prototype.update, { title: 't', inner: null })).toBe('handled');
    expect(await run(FakeController.prototype.update, undefined)).toBe('handled');
    expect(await run(FakeController.prototype.field, { title: null, constructor: 1 })).toBe('handled');
  });
});
