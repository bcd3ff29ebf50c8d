import { maxHeaderSize, STATUS_CODES, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { Request, Response, NextFunction } from 'express';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { BodyShapeInterceptor } from './common/body-shape';
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
  answerUnparsedRequests(app.getHttpServer(), log);
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
  // before the ValidationPipe: nulls only where the document says nullable, no undeclared field
  // (not even one named like an Object.prototype member); both answer 400 naming the field
  app.useGlobalInterceptors(new BodyShapeInterceptor());

  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'api/docs/openapi.json' });

  return app;
}

/**
 * Requests Node's HTTP parser refuses before Express sees them: a request line and headers over
 * http.maxHeaderSize (16 KiB by default; a long selector in the URL, say), a malformed request, a
 * head that does not arrive in time. Node's own handling writes a bare status line and destroys the
 * socket with the rest of the request unread, so a client still sending gets a connection reset
 * instead of the answer. Here: a JSON error body in the one ErrorView shape, `Connection: close`,
 * and the socket closed only after the client stops sending (or after 5 seconds), so the answer
 * can be read. HTTP and HTTPS servers alike.
 */
function answerUnparsedRequests(server: HttpServer | HttpsServer, log: Logger): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // the parser reports each further chunk of a refused request again: answer once
    if (answered.has(socket)) return;
    answered.add(socket);
    // an answer already under way on this connection (Node's own rule, from its internals) cannot be followed by another
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable || inFlight) {
      socket.destroy();
      return;
    }
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, `the request line and headers are longer than ${maxHeaderSize} bytes, the most this server reads: shorten the URL (a long selector, say) or the headers`]
        : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? [413, 'the chunk extensions are too large']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'the request did not arrive in time']
            : [400, 'malformed HTTP request'];
    log.debug({ code: err.code, status }, 'refused a request the HTTP parser could not read');
    const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n' +
        body,
    );
    // keep reading what the client still sends, until it closes: closing with unread data would reset the connection
    socket.resume();
    const deadline = setTimeout(() => socket.destroy(), 5_000).unref();
    socket.once('close', () => clearTimeout(deadline));
  });
}
