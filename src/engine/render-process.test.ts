import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RenderError } from './render';
import { cleanEnv, ProcessFailure, renderFailure, resolveExecutable, runProcess, withScratch } from './render-process';

const limits = { timeoutMs: 10_000, maxOutputBytes: 1024 * 1024 };

function sh(script: string, scratch: string, more: Partial<typeof limits> & { signal?: AbortSignal } = {}) {
  return runProcess({ command: '/bin/sh', args: ['-c', script], cwd: scratch, env: cleanEnv(scratch, '/usr/bin:/bin'), ...limits, ...more });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie waiting for its parent to reap it has ended too
  return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

async function failure(p: Promise<unknown>): Promise<ProcessFailure> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProcessFailure);
  return e as ProcessFailure;
}

describe('renderer processes', () => {
  it('returns stdout, runs in the scratch directory and sees only the environment it is given', async () => {
    process.env.FLOTILLA_TEST_SERVICE_SECRET = 'do-not-leak';
    try {
      await withScratch(async (scratch) => {
        const out = await sh('pwd; env', scratch);
        const [cwd, ...env] = out.trim().split('\n');
        expect(cwd).toBe(scratch);
        expect(out).not.toContain('do-not-leak');
        expect(env.filter((l) => !l.startsWith('PWD=') && !l.startsWith('SHLVL=') && !l.startsWith('_=')).sort()).toEqual(
          Object.entries(cleanEnv(scratch, '/usr/bin:/bin'))
            .map(([k, v]) => `${k}=${v}`)
            .sort(),
        );
        expect(cleanEnv(scratch).PATH).toBe(join(scratch, 'bin'));
      });
    } finally {
      delete process.env.FLOTILLA_TEST_SERVICE_SECRET;
    }
  });

  it('kills the whole process group at the deadline, children included', async () => {
    await withScratch(async (scratch) => {
      const started = Date.now();
      // the background sleep keeps stdout open: only killing the group ends it
      const f = await failure(sh(`sleep 300 & echo $! > child.pid; sleep 300`, scratch, { timeoutMs: 700 }));
      expect(f.reason).toBe('timeout');
      expect(f.message).toBe('sh did not finish within 0.7s; it was killed');
      expect(Date.now() - started).toBeLessThan(5000);
      const child = Number(await readFile(join(scratch, 'child.pid'), 'utf8'));
      await new Promise((r) => setTimeout(r, 100));
      expect(alive(child)).toBe(false);
    });
  });

  it('kills a process that prints more than the cap', async () => {
    await withScratch(async (scratch) => {
      const f = await failure(sh('while :; do echo 0123456789abcdef0123456789abcdef; done', scratch, { maxOutputBytes: 64 * 1024 }));
      expect(f.reason).toBe('output');
      expect(f.message).toBe('sh printed more than 64 KiB of output; it was killed');
    });
  });

  it('fails with the trimmed end of stderr when the exit code is not 0', async () => {
    await withScratch(async (scratch) => {
      const f = await failure(sh('i=0; while [ $i -lt 500 ]; do echo "noise line $i" >&2; i=$((i+1)); done; echo "Error: the real reason" >&2; exit 3', scratch));
      expect(f.reason).toBe('exit');
      expect(f.message).toMatch(/^sh failed \(exit code 3\): …/);
      expect(f.message).toMatch(/Error: the real reason$/);
      expect(f.message.length).toBeLessThan(2100);
      expect(f.stderr.startsWith('noise line 0')).toBe(true);
    });
  });

  it('is killed when the render is cancelled', async () => {
    await withScratch(async (scratch) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const f = await failure(sh('sleep 300', scratch, { signal: controller.signal }));
      expect(f.reason).toBe('aborted');
    });
  });

  it('reports a binary that cannot be started', async () => {
    await withScratch(async (scratch) => {
      const f = await failure(runProcess({ command: join(scratch, 'no-such-binary'), args: [], cwd: scratch, env: cleanEnv(scratch), ...limits }));
      expect(f.reason).toBe('spawn');
      expect(f.message).toBe('no-such-binary could not be started (ENOENT)');
    });
  });

  it('turns failures about the content into RenderErrors and others into plain errors', () => {
    const exit = renderFailure(new ProcessFailure('exit', 'helm failed (exit code 1)', 'level=x\nError: bad at /tmp/t/repo/apps/web/x.yaml'), 'apps/web', 'helm template', [
      ['/tmp/t/repo/', ''],
    ]);
    expect(exit).toBeInstanceOf(RenderError);
    expect((exit as Error).message).toBe('apps/web: helm template failed: level=x\nError: bad at apps/web/x.yaml');
    expect(renderFailure(new ProcessFailure('timeout', 'helm did not finish within 60s; it was killed', ''), 'apps/web', 'helm', [])).toBeInstanceOf(RenderError);
    expect(renderFailure(new ProcessFailure('output', 'helm printed more than 1 MiB of output; it was killed', ''), 'apps/web', 'helm', [])).toBeInstanceOf(RenderError);
    for (const reason of ['spawn', 'signal', 'aborted'] as const) {
      const e = renderFailure(new ProcessFailure(reason, 'x', ''), 'apps/web', 'helm', []);
      expect(e).toBeInstanceOf(Error);
      expect(e).not.toBeInstanceOf(RenderError);
    }
  });

  it('finds a configured binary by absolute path or on the PATH', async () => {
    expect(await resolveExecutable('sh', '/nonexistent:/bin')).toBe('/bin/sh');
    expect(await resolveExecutable('/bin/sh')).toBe('/bin/sh');
    expect(await resolveExecutable('no-such-renderer-binary')).toBeUndefined();
    expect(await resolveExecutable('./sh', '/bin')).toBeUndefined();
  });
});
