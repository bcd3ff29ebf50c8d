// `npm run demo` for the tests, run as a person runs it: `npm run demo -- <args>` from the
// checkout, in a process group of its own, so Ctrl-C (SIGINT to the group, as a terminal sends
// it) reaches npm, its shell and the demo alike. Its output is collected; a test that ends early
// kills the group, and the demo stops what it started when the processes above it go away.
import { type ChildProcess, spawn } from 'node:child_process';
import { ROOT } from '../ui/build';

export interface DemoExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class DemoRun {
  private text = '';
  private closed = false;
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<DemoExit>;

  private constructor(private readonly child: ChildProcess) {
    const take = (b: Buffer) => {
      this.text += b.toString('utf8');
      this.waiters.forEach((w) => w());
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    this.exited = new Promise((done) =>
      child.once('close', (code, signal) => {
        this.closed = true;
        done({ code, signal });
        this.waiters.forEach((w) => w());
      }),
    );
    process.once('exit', this.kill);
  }

  /** `env` is added to this process's environment (FLOTILLA_WEB__UI_DIR, DEMO_PORT, …). */
  static start(args: string[], env: Record<string, string>): DemoRun {
    const child = spawn('npm', ['run', 'demo', ...(args.length ? ['--', ...args] : [])], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new DemoRun(child);
  }

  /** everything it printed so far, stdout and stderr as they came */
  get output(): string {
    return this.text;
  }

  /** Resolves once the output matches; rejects when the demo exits first or the time is up. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((done, fail) => {
      const timer = setTimeout(() => finish(new Error(`no ${pattern} in the demo's output after ${timeoutMs / 1000} s:\n${this.text}`)), timeoutMs);
      const finish = (result: RegExpExecArray | Error) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (result instanceof Error) fail(result);
        else done(result);
      };
      const check = () => {
        const m = pattern.exec(this.text);
        if (m) finish(m);
        else if (this.closed) finish(new Error(`the demo exited without printing ${pattern}:\n${this.text}`));
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Ctrl-C, as in a terminal; killed outright when it has not stopped within `graceMs`. */
  async interrupt(graceMs = 60_000): Promise<DemoExit> {
    this.signal('SIGINT');
    const timer = setTimeout(this.kill, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      process.removeListener('exit', this.kill);
    }
  }

  readonly kill = (): void => this.signal('SIGKILL');

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      /* the group is gone */
    }
  }
}
