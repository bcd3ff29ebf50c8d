import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { clusterRequest } from './cluster';

const root = resolve(__dirname, '../..');

describe('npm run testbed', () => {
  it('prints one working cluster per line, writes kubeconfigs to --out, and stops everything on SIGTERM', async () => {
    const out = mkdtempSync(join(tmpdir(), 'flotilla-testbed-cli-'));
    const child = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'test/testbed/cli.ts'), '--clusters', '2', '--out', out], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const lines: { name: string; server: string; caData: string; token: string; kubeconfig: string; kubectl: string }[] = [];
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`testbed printed ${lines.length} lines; stderr: ${stderr}`)), 90_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(JSON.parse(line));
        if (lines.length === 2) {
          clearTimeout(timer);
          done();
        }
      });
    });
    expect(lines.map((l) => l.name)).toEqual(['cluster-1', 'cluster-2']);
    for (const l of lines) {
      expect(l.kubeconfig).toBe(join(out, `${l.name}.kubeconfig`));
      expect(existsSync(l.kubectl)).toBe(true);
      const namespaces = execFileSync(l.kubectl, ['--kubeconfig', l.kubeconfig, 'get', 'namespaces', '-o', 'name'], { encoding: 'utf8' });
      expect(namespaces).toContain('namespace/kube-system');
      expect((await clusterRequest(l, l.token, 'GET', '/version')).body.gitVersion).toBe('v1.34.4');
    }
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const l of lines) await expect(clusterRequest(l, l.token, 'GET', '/version')).rejects.toThrow(/ECONNREFUSED/);
  }, 120_000);
});
