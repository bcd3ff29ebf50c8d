// `npm run openapi`: writes openapi.json at the repository root, the document the CLI and the web
// UI generate their client from. Builds the app in-process without listening, reaching no cluster
// or git remote, in a throw-away data directory (its secret key file is generated there), and with
// no FLOTILLA_* variable of the caller's, so every machine writes the same file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.factory';
import { createRootLogger } from '../src/common/logging/logger';
import { loadConfig } from '../src/config/app-config';
import { buildOpenApiDocument } from '../src/openapi';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-openapi-'));
  try {
    const config = loadConfig({ env: { FLOTILLA_DATA_DIR: dataDir, FLOTILLA_LOG_LEVEL: 'silent' } });
    const app = await createApp(config, createRootLogger('silent'));
    try {
      const file = join(__dirname, '..', 'openapi.json');
      writeFileSync(file, JSON.stringify(buildOpenApiDocument(app), null, 2) + '\n');
      process.stdout.write(`wrote ${file}\n`);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`openapi: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
