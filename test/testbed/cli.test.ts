import { describe, expect, it } from 'vitest';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { clusterRequest } from './cluster';

const root = resolve(__dirname, '../..');

interface Printed {
  name: string;
  server: string;
  caData: string;
  token: string;
  kubeconfig: string;
  kubectl: string;
}

/** The first `count` JSON lines `child` prints (npm's own banner lines are skipped). */
function printedClusters(child: ChildProcess, count: number, timeoutMs: number): Promise<Printed[]> {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines: Printed[] = [];
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`testbed printed ${lines.length} lines; stderr: ${stderr}`)), timeoutMs);
    child.once('exit', (code, signal) => fail(new Error(`testbed exited (${code ?? signal}) after ${lines.length} lines; stderr: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      lines.push(JSON.parse(line));
      if (lines.length === count) {
        clearTimeout(timer);
        done(lines);
      }
    });
  });
}

/** Processes whose command line mentions `dir` (a test bed's own directory), by pid and program. */
function processesUnder(dir: string): { pid: number; program: string }[] {
  const found: { pid: number; program: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    if (argv.some((a) => a.includes(dir))) found.push({ pid: Number(entry), program: basename(argv[0]) });
  }
  return found;
}

describe('npm run testbed', () => {
  it('prints one working cluster per line, writes kubeconfigs to --out, and stops everything on SIGTERM', async () => {
    const out = mkdtempSync(join(tmpdir(), 'flotilla-testbed-cli-'));
    const child = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'test/testbed/cli.ts'), '--clusters', '2', '--out', out], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = await printedClusters(child, 2, 90_000);
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
    rmSync(out, { recursive: true, force: true });
  }, 120_000);
});

describe('npm run testbed, stopped through npm only', () => {
  // npm runs `sh -c "… && tsx cli.ts"`: a signal to npm stops at npm and that shell. Whatever
  // reaches npm, and however npm dies, nothing the test bed started may keep running.
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'leaves no kube-apiserver or etcd of its own running when npm gets %s',
    async (signal) => {
      // its own process group, so that the cleanup below can take everything if the test fails
      const npm = spawn('npm', ['run', 'testbed', '--', '--clusters', '1'], { cwd: root, env: process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let bedDir: string | undefined;
      try {
        const [cluster] = await printedClusters(npm, 1, 90_000);
        // <test bed dir>/cluster-1/kubeconfig: every process of this test bed names that directory
        bedDir = dirname(dirname(cluster.kubeconfig));
        expect(basename(bedDir)).toMatch(/^flotilla-testbed-/);
        expect(
          processesUnder(bedDir)
            .map((p) => p.program)
            .sort(),
        ).toEqual(['etcd', 'kube-apiserver']);
        expect((await clusterRequest(cluster, cluster.token, 'GET', '/version')).status).toBe(200);

        process.kill(npm.pid!, signal);
        const stopped = () => processesUnder(bedDir!).length === 0 && !existsSync(bedDir!);
        const deadline = Date.now() + 15_000;
        while (!stopped() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        expect(processesUnder(bedDir)).toEqual([]);
        await expect(clusterRequest(cluster, cluster.token, 'GET', '/version')).rejects.toThrow(/ECONNREFUSED/);
        // stopped, not merely killed: its directory (etcd data, keys, tokens) is removed too
        expect(existsSync(bedDir)).toBe(false);
      } finally {
        try {
          process.kill(-npm.pid!, 'SIGKILL');
        } catch {
          /* the group is gone already */
        }
        for (const p of bedDir ? processesUnder(bedDir) : []) process.kill(p.pid, 'SIGKILL');
        if (bedDir) rmSync(bedDir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
