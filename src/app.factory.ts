import type { Server as HttpsServer } from 'node:https';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { Request, Response, NextFunction } from 'express';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { JsonLogger } from './common/logging/logger';
import { requestLogging } from './common/logging/request-logging.middleware';
import { requireJsonContentType, requireObjectBody } from './common/http/body-guards';
import { CertificateReloader } from './common/http/certificate-reloader';
import { securityHeaders } from './common/http/security-headers';
import { loadServingTls } from './common/http/tls';
import { AppConfig } from './config/app-config';
import { Metrics } from './operations/metrics';
import { buildOpenApiDocument } from './openapi';
import { type Clock, systemClock } from './shared/clock';

/**
 * Builds the whole application (used by main.ts and by the tests, so both run the same thing).
 * `clock`: every timer and timestamp of the service; tests pass a ManualClock to drive time.
 */
export async function createApp(config: AppConfig, log: Logger, options: { clock?: Clock } = {}): Promise<NestExpressApplication> {
  const clock = options.clock ?? systemClock;
  // before anything else starts: a bad certificate or key stops start-up (ConfigError)
  const tls = await loadServingTls(config, log);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, clock), {
    logger: new JsonLogger(log),
    bodyParser: false,
    rawBody: true,
    abortOnError: false,
    httpsOptions: tls ? { cert: tls.cert, key: tls.key } : undefined,
  });
  if (tls && !tls.selfSigned) {
    const server = app.getHttpServer() as HttpsServer;
    const reloader = new CertificateReloader(server, tls, tls, log, clock);
    reloader.start();
    server.once('close', () => reloader.stop());
  }
  const metrics = app.get(Metrics);
  app.disable('x-powered-by');
  // req.ip is the client address everywhere (failed-auth limits, the audit log): the socket's
  // peer, or what X-Forwarded-For says when that peer is one of server.trustedProxies
  // (req.secure likewise believes their X-Forwarded-Proto)
  app.set('trust proxy', config.server.trustedProxies.length ? config.server.trustedProxies : false);
  // first, so every response carries them: errors, 404s, the body guards' refusals
  app.use(securityHeaders());
  app.use(requestLogging(log));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      end({ route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });
  app.use(requireJsonContentType);
  app.useBodyParser('json', { limit: config.server.bodyLimitBytes, type: ['application/json', 'application/*+json'] });
  app.use(requireObjectBody);

  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'api/docs/openapi.json' });

  return app;
}
