// The service as a separate process started from its real entry point, for tests that must kill
// it outright (SIGKILL) and start it again on the same data directory. It runs in a process group
// of its own, so a kill reaches the git processes it started too; it is killed with the test's
// process if that exits first (an exit hook, and the kernel's parent-death signal where setpriv
// can ask for it).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(__dirname, '../..');

export interface ServiceProcessOptions {
  dataDir: string;
  /** FLOTILLA_* settings; FLOTILLA_DATA_DIR and FLOTILLA_PORT are set here; the log level must show info lines */
  env: Record<string, string>;
  /** working directory of the process; the data directory by default */
  cwd?: string;
  startTimeoutMs?: number;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export class ServiceProcess {
  private readonly exitHook = () => this.killGroupNow('SIGKILL');

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly exited: Promise<Exit>,
    /** every line the process wrote to stdout and stderr so far, in order */
    readonly lines: string[],
  ) {
    process.once('exit', this.exitHook);
  }

  static async start(opts: ServiceProcessOptions): Promise<ServiceProcess> {
    const level = opts.env.FLOTILLA_LOG_LEVEL;
    if (level && !['trace', 'debug', 'info'].includes(level)) {
      throw new Error(`FLOTILLA_LOG_LEVEL=${level} hides the "flotilla listening" line (info) that start() waits for`);
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'test',
      SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
      NODE_PATH: join(root, 'node_modules'),
      ...opts.env,
      FLOTILLA_PORT: '0',
      FLOTILLA_DATA_DIR: opts.dataDir,
    };
    const command = [process.execPath, '-r', '@swc-node/register', join(root, 'src/main.ts')];
    const [file, args] = parentDeathWrapper() ? ['setpriv', ['--pdeathsig', 'KILL', '--', ...command]] : [command[0], command.slice(1)];
    const child = spawn(file, args, { cwd: opts.cwd ?? opts.dataDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<Exit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const lines: string[] = [];
    let listening: (port: number) => void = () => undefined;
    const port = new Promise<number>((done) => (listening = done));
    // read both streams to the end, always: a full pipe would stall the service
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry.msg === 'flotilla listening') listening(entry.port);
      } catch {
        /* not a log line */
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));

    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      port.then((p) => ({ port: p })),
      exited.then((e) => ({ exited: e })),
      new Promise<{ timeout: true }>((done) => (timer = setTimeout(() => done({ timeout: true }), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!('port' in outcome)) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await exited;
      const why = 'exited' in outcome ? `exited (${outcome.exited.code ?? outcome.exited.signal})` : `did not log "flotilla listening" within ${timeoutMs} ms`;
      throw new Error(`the service ${why}:\n${lines.slice(-30).join('\n')}`);
    }
    return new ServiceProcess(child, `http://127.0.0.1:${outcome.port}`, exited, lines);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` to the whole process group and waits until the service has exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.running) this.killGroupNow(signal);
    const result = await this.exited;
    // what the service started may outlive it for a moment: make sure the group is gone
    this.killGroupNow('SIGKILL');
    process.removeListener('exit', this.exitHook);
    return result;
  }

  /** Stops it gracefully, or kills it after `graceMs`; safe to call when it has already exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) {
      this.killGroupNow('SIGKILL');
      process.removeListener('exit', this.exitHook);
      return;
    }
    const timer = setTimeout(() => this.killGroupNow('SIGKILL'), graceMs);
    try {
      await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  private killGroupNow(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      /* the group is gone */
    }
  }
}

let pdeathsig: boolean | undefined;

/** Whether `setpriv --pdeathsig` is available (util-linux): the child then dies with this process. */
function parentDeathWrapper(): boolean {
  if (pdeathsig === undefined) {
    try {
      pdeathsig = process.platform === 'linux' && execFileSync('setpriv', ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('--pdeathsig');
    } catch {
      pdeathsig = false;
    }
  }
  return pdeathsig;
}
