import 'reflect-metadata';
import { createApp } from './app.factory';
import { createRootLogger } from './common/logging/logger';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`flotilla: ${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const log = createRootLogger(config.log.level);
  const app = await createApp(config, log);
  await app.listen(config.server.port, config.server.host);
  const address = app.getHttpServer().address();
  log.info({ port: typeof address === 'object' && address ? address.port : config.server.port, dataDir: config.dataDir }, 'flotilla listening');
}

main().catch((e) => {
  process.stderr.write(`flotilla: start-up failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
