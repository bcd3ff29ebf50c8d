// The browser tests and the UI bench need the built UI (ui/dist), as `npm start` serves it. This
// builds it (npm run build:ui) when it is missing or older than any of its inputs, once even when
// several workers ask at the same moment (a lock directory; a lock left by a killed run expires).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = resolve(__dirname, '..', '..');
const UI = join(ROOT, 'ui');
const BUILT = join(UI, 'dist', 'index.html');
const LOCK = join(ROOT, 'test-results', '.ui-build.lock');
const LOCK_EXPIRES_MS = 10 * 60_000;

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path)
    .filter((name) => name !== 'dist' && name !== 'schema.d.ts' && name !== 'node_modules')
    .reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

/** true when ui/dist is missing or older than ui/ (sources, config), openapi.json or package.json */
export function uiBuildIsStale(): boolean {
  if (!existsSync(BUILT)) return true;
  const built = statSync(BUILT).mtimeMs;
  const inputs = Math.max(newest(UI), newest(join(ROOT, 'openapi.json')), newest(join(ROOT, 'package.json')));
  return inputs > built;
}

export async function ensureUiBuilt(): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  for (;;) {
    if (!uiBuildIsStale()) return;
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
      if (!uiBuildIsStale()) return;
      await run('npm', ['run', '--silent', 'build:ui'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 9 * 60_000 }).catch(
        (e: { stdout?: string; stderr?: string; message: string }) => {
          throw new Error(`npm run build:ui failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
        },
      );
      return;
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
