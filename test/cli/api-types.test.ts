// The CLI's client types are generated from the committed OpenAPI document; this fails when
// someone changed openapi.json (npm run openapi) without regenerating them (npm run cli:types).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-process';

const run = promisify(execFile);
const COMMITTED = 'src/cli/api-schema.d.ts';

describe('the CLI client types', () => {
  it('are what npm run cli:types makes of the committed openapi.json', async () => {
    const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['cli:types'];
    const args = script.split(/\s+/);
    expect(args[0]).toBe('openapi-typescript');
    expect(args.slice(-2)).toEqual(['-o', COMMITTED]);
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-types-'));
    try {
      const fresh = join(dir, 'api-schema.d.ts');
      await run(process.execPath, [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), ...args.slice(1, -2), '-o', fresh], { cwd: ROOT });
      const same = readFileSync(fresh, 'utf8') === readFileSync(join(ROOT, COMMITTED), 'utf8');
      expect(same, `${COMMITTED} is stale: run npm run cli:types and commit the result`).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
