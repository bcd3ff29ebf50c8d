// The browser tests, the UI bench and `npm run demo` need the built UI (ui/dist, or another
// directory the service is pointed at with web.uiDir), as `npm start` serves it. This builds it
// (npm run build:ui) when it is missing or older than any of its inputs, once even when several
// workers ask at the same moment (a lock directory; a lock left by a killed run expires). One lock
// for every output directory: each build also regenerates ui/src/api/schema.d.ts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
const UI = join(ROOT, 'ui');
/** where `npm run build:ui` writes, and where the service looks when web.uiDir is not set */
export const UI_DIST = join(UI, 'dist');
const LOCK = join(ROOT, 'test-results', '.ui-build.lock');
const LOCK_EXPIRES_MS = 10 * 60_000;

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path)
    .filter((name) => name !== 'dist' && name !== 'schema.d.ts' && name !== 'node_modules')
    .reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

/** true when `outDir` (ui/dist) has no build or one older than ui/ (sources, config), openapi.json or package.json */
export function uiBuildIsStale(outDir = UI_DIST): boolean {
  const built = statSync(join(outDir, 'index.html'), { throwIfNoEntry: false });
  if (!built) return true;
  const inputs = Math.max(newest(UI), newest(join(ROOT, 'openapi.json')), newest(join(ROOT, 'package.json')));
  return inputs > built.mtimeMs;
}

export interface BuildOptions {
  /** absolute; ui/dist by default. Vite empties it first. */
  outDir?: string;
  /** stops a build in progress (its whole process group) and rejects */
  signal?: AbortSignal;
}

/** Builds the UI into `outDir` unless a build there is already fresh; true when it built. */
export async function ensureUiBuilt(opts: BuildOptions = {}): Promise<boolean> {
  const outDir = resolve(opts.outDir ?? UI_DIST);
  const deadline = Date.now() + 10 * 60_000;
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  for (;;) {
    opts.signal?.throwIfAborted();
    if (!uiBuildIsStale(outDir)) return false;
    try {
      mkdirSync(LOCK);
    } catch {
      // someone else builds: wait for them, or take over a lock a killed run left
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > LOCK_EXPIRES_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for the UI build (lock ${LOCK})`);
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (!uiBuildIsStale(outDir)) return false;
      // npm appends the arguments after `--` to the script's last command, `vite build`
      const args = outDir === UI_DIST ? [] : ['--', '--outDir', outDir];
      await runBuild(['run', '--silent', 'build:ui', ...args], opts.signal);
      if (!existsSync(join(outDir, 'index.html'))) throw new Error(`npm run build:ui wrote no ${join(outDir, 'index.html')}`);
      return true;
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}

/**
 * npm → sh → tsc, vite in a process group of their own: a stop (the signal, a timeout, this
 * process exiting) kills all of them, not only npm, which would leave vite writing on.
 */
function runBuild(args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('npm', args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => output.push(b));
    child.stderr.on('data', (b: Buffer) => output.push(b));
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone already */
      }
    };
    const timer = setTimeout(killGroup, 9 * 60_000);
    signal?.addEventListener('abort', killGroup, { once: true });
    process.once('exit', killGroup);
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', killGroup);
      process.removeListener('exit', killGroup);
    };
    child.once('error', (e) => {
      settle();
      fail(e);
    });
    child.once('close', (code, sig) => {
      settle();
      if (code === 0) return done();
      if (signal?.aborted) return fail(signal.reason instanceof Error ? signal.reason : new Error('the UI build was stopped'));
      fail(new Error(`npm run build:ui failed (${sig ?? `exit code ${code}`}):\n${Buffer.concat(output).toString('utf8').slice(-8000)}`));
    });
  });
}
