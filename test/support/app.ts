// Boots the real application in-process: real config loading, a real SQLite file with the real
// migrations, a real HTTP listener on loopback. Log lines are captured for assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.factory';
import { createRootLogger } from '../../src/common/logging/logger';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import type { Clock } from '../../src/shared/clock';

export interface RunningApp {
  app: NestExpressApplication;
  config: AppConfig;
  baseUrl: string;
  dataDir: string;
  /** every log line written so far, raw JSON text */
  logs: string[];
  close(): Promise<void>;
}

/** kubectl (for kustomize) and helm from the test bed's binaries, when the run has them */
export function renderTools(): Record<string, string> {
  const bin = process.env.FLOTILLA_TESTBED_BIN;
  return bin ? { FLOTILLA_RENDER__KUBECTL: join(bin, 'kubectl'), FLOTILLA_RENDER__HELM: join(bin, 'helm') } : {};
}

export async function startApp(env: Record<string, string> = {}, opts: { dataDir?: string; keepDataDir?: boolean; clock?: Clock } = {}): Promise<RunningApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'flotilla-app-'));
  const config = loadConfig({
    env: { NODE_ENV: 'test', FLOTILLA_DATA_DIR: dataDir, FLOTILLA_PORT: '0', FLOTILLA_LOG_LEVEL: 'info', ...renderTools(), ...env },
  });
  config.server.host = '127.0.0.1';
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await createApp(config, createRootLogger(config.log.level, sink), { clock: opts.clock });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    logs,
    async close() {
      await app.close();
      if (!opts.dataDir && !opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
