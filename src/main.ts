import 'reflect-metadata';
import { createApp } from './app.factory';
import { servesHttps } from './common/http/tls';
import { createRootLogger } from './common/logging/logger';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';

/** A configuration problem — a bad value, or a server.tls file that is not a usable pair — exits 78. */
function exitOnConfigError(e: unknown): never {
  if (e instanceof ConfigError) {
    process.stderr.write(`flotilla: ${e.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw e;
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    exitOnConfigError(e);
  }
  const log = createRootLogger(config.log.level);
  const app = await createApp(config, log).catch((e: unknown) => {
    log.flush();
    return exitOnConfigError(e);
  });

  // Graceful shutdown: stop accepting, let requests in flight finish, run every module's
  // shutdown hook (schedulers, git, database), flush the logs — or give up after the timeout.
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ timeoutSeconds: config.server.shutdownTimeoutSeconds }, 'shutdown timed out');
      log.flush();
      process.exit(1);
    }, config.server.shutdownTimeoutSeconds * 1000);
    deadline.unref();
    await app.close();
    log.info('stopped');
    log.flush(() => process.exit(0));
  };
  // a failed shutdown (a hook or app.close() throwing) is logged and exits 1, not an unhandled rejection
  const onSignal = (signal: NodeJS.Signals) => {
    stop(signal).catch((e: unknown) => {
      log.error({ err: e }, 'shutdown failed');
      log.flush(() => process.exit(1));
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  await app.listen(config.server.port, config.server.host);
  const address = app.getHttpServer().address();
  log.info(
    { port: typeof address === 'object' && address ? address.port : config.server.port, scheme: servesHttps(config) ? 'https' : 'http', dataDir: config.dataDir },
    'flotilla listening',
  );
}

main().catch((e) => {
  process.stderr.write(`flotilla: start-up failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
