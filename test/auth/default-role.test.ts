// The guard fails closed: a route nobody gave a @MinRole needs admin. Every route of the product
// carries the decorator, so this is proven on routes made for the test, served by the real
// application (its modules, its global guard, its audit log) with one more controller in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, HttpCode, Module, Post, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { MinRole } from '../../src/auth/roles.decorator';
import { createRootLogger, JsonLogger } from '../../src/common/logging/logger';
import { type AppConfig, loadConfig } from '../../src/config/app-config';
import { systemClock } from '../../src/shared/clock';
import { apiClient } from '../support/api';

const ADMIN = 'default-role-admin-token-0123456789';

@Controller('test/unmarked')
class UnmarkedController {
  @Get()
  read() {
    return { served: 'read' };
  }

  @Post()
  @HttpCode(200)
  write() {
    return { served: 'write' };
  }

  /** the control: the same controller, a decorated route, which viewers may call */
  @Get('for-viewers')
  @MinRole('viewer')
  forViewers() {
    return { served: 'for-viewers' };
  }
}

function appWithUnmarkedRoutes(config: AppConfig): Type {
  @Module({ imports: [AppModule.forRoot(config, systemClock)], controllers: [UnmarkedController] })
  class AppWithUnmarkedRoutes {}
  return AppWithUnmarkedRoutes;
}

describe('a route without @MinRole', () => {
  let dataDir: string;
  let app: NestExpressApplication;
  let baseUrl: string;
  const tokens: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: ADMIN };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'flotilla-default-role-'));
    const config = loadConfig({ env: { NODE_ENV: 'test', FLOTILLA_DATA_DIR: dataDir, FLOTILLA_PORT: '0', FLOTILLA_LOG_LEVEL: 'warn', FLOTILLA_ADMIN_TOKEN: ADMIN } });
    const logs = { write: () => undefined };
    app = await NestFactory.create<NestExpressApplication>(appWithUnmarkedRoutes(config), { logger: new JsonLogger(createRootLogger('warn', logs)), abortOnError: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const admin = apiClient(baseUrl, ADMIN);
    for (const role of ['viewer', 'operator'] as const) {
      const made = await admin.post('/api/v1/tokens', { name: `default-${role}`, role });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      tokens[role] = made.body.token;
    }
  });
  afterAll(async () => {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('needs admin: viewer and operator get 403, admin 200, and the refusal names admin in the audit log', async () => {
    const as = (role: keyof typeof tokens) => apiClient(baseUrl, tokens[role]);
    // the tokens are good: a viewer may call the decorated route beside the unmarked ones
    expect((await as('viewer').get('/test/unmarked/for-viewers')).body).toEqual({ served: 'for-viewers' });

    for (const role of ['viewer', 'operator'] as const) {
      const read = await as(role).get('/test/unmarked');
      expect(read.status, `${role} GET`).toBe(403);
      expect(read.body.message).toBe(`role ${role} may not GET /test/unmarked: it needs admin`);
      expect((await as(role).post('/test/unmarked')).status, `${role} POST`).toBe(403);
    }
    expect((await as('admin').get('/test/unmarked')).body).toEqual({ served: 'read' });
    const written = await as('admin').post('/test/unmarked');
    expect([written.status, written.body]).toEqual([200, { served: 'write' }]);
    expect((await apiClient(baseUrl).get('/test/unmarked')).status).toBe(401);

    const audit = await as('admin').get('/api/v1/audit?action=auth.forbidden&limit=10');
    expect(audit.body.items.map((e: { actor: string; subject: string; details: unknown }) => [e.actor, e.subject, e.details]).reverse()).toEqual([
      ['default-viewer', 'GET /test/unmarked', { required: 'admin' }],
      ['default-viewer', 'POST /test/unmarked', { required: 'admin' }],
      ['default-operator', 'GET /test/unmarked', { required: 'admin' }],
      ['default-operator', 'POST /test/unmarked', { required: 'admin' }],
    ]);
  });
});
