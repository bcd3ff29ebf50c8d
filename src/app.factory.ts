import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response, NextFunction } from 'express';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { JsonLogger } from './common/logging/logger';
import { requestLogging } from './common/logging/request-logging.middleware';
import { requireJsonContentType, requireObjectBody } from './common/http/body-guards';
import { AppConfig } from './config/app-config';
import { Metrics } from './operations/metrics';

/** Builds the whole application (used by main.ts and by the tests, so both run the same thing). */
export async function createApp(config: AppConfig, log: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: new JsonLogger(log),
    bodyParser: false,
    rawBody: true,
    abortOnError: false,
  });
  const metrics = app.get(Metrics);
  app.disable('x-powered-by');
  app.set('trust proxy', false);
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

  const doc = new DocumentBuilder()
    .setTitle('Flotilla')
    .setDescription('GitOps fleet manager: clusters, repositories, applications, channels, audit')
    .setVersion('v1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'api/docs/openapi.json' });

  return app;
}
