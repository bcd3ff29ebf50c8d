import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(__dirname, '../..');

describe('the service process', () => {
  it('starts from its real entry point, serves, and shuts down gracefully on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'flotilla-proc-'));
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'src/main.ts')], {
      cwd,
      env: {
        PATH: process.env.PATH,
        FLOTILLA_PORT: '0',
        FLOTILLA_DATA_DIR: join(cwd, 'data'),
        SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
        NODE_PATH: join(root, 'node_modules'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const port = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no "listening" line; stderr: ${stderr}`)), 45_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line);
        lines.push(entry);
        if (entry.msg === 'flotilla listening') {
          clearTimeout(timer);
          done(entry.port);
        }
      });
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('shutting down');
    expect(messages.indexOf('database closed')).toBeGreaterThan(messages.indexOf('shutting down'));
    expect(messages[messages.length - 1]).toBe('stopped');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 60_000);
});
