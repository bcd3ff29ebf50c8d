// The service as a separate process started from its real entry point: for tests that must kill
// it outright (SIGKILL) and start it again on the same data directory, and for scripts (the demo,
// the fan-out bench) that want it out of their own process — to read its CPU and memory from
// /proc, or to run it as `npm start` would. It runs in a process group of its own, so a stop
// reaches the git processes it started too, and Ctrl-C in a terminal reaches only the script,
// which then stops it itself; it is killed with this process if that exits first (an exit hook,
// and the kernel's parent-death signal where setpriv can ask for it).
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parentDeathWrapper } from '../testbed/cluster';
import { renderTools } from './app';

const root = resolve(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** With a log file, how many of the latest lines `lines` still holds (for error messages). */
const LINES_KEPT_WITH_LOG_FILE = 200;

export interface ServiceProcessOptions {
  dataDir: string;
  /** FLOTILLA_* settings; FLOTILLA_DATA_DIR and FLOTILLA_PORT are set from the options here */
  env: Record<string, string>;
  /**
   * FLOTILLA_PORT. 0 (the default): the system chooses one, and start() learns it from the
   * "flotilla listening" line, which is logged at info. With a port of its own the log level is free.
   */
  port?: number;
  /**
   * Every line the process writes to stdout and stderr is appended to this file. `lines` then
   * keeps only the latest few hundred, not all: a demo left running for hours must not grow
   * this process's memory with the service's log; the file has all of it.
   */
  logFile?: string;
  /**
   * What the kernel sends the service when this process dies without stopping it (setpriv
   * --pdeathsig). KILL (the default) for tests; TERM lets it shut down gracefully, stopping its
   * git processes itself — a parent-death signal reaches only the service, not its group.
   */
  parentDeathSignal?: 'KILL' | 'TERM';
  /** Aborting stops a start still in progress: the process group is killed and start() rejects. */
  signal?: AbortSignal;
  /** working directory of the process; the data directory by default */
  cwd?: string;
  startTimeoutMs?: number;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export class ServiceProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly exited: Promise<Exit>,
    /** stdout and stderr have been read to the end and the log file, if any, is closed */
    private readonly drained: Promise<unknown>,
    private readonly exitHook: () => void,
    /** the lines the process wrote to stdout and stderr, in order: all of them, or only the latest with a log file */
    readonly lines: string[],
  ) {}

  /** The environment the service runs with: a clean one, not this process's. */
  static environment(opts: ServiceProcessOptions): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'test',
      SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
      NODE_PATH: join(root, 'node_modules'),
      // config/test.yaml says warn, which hides the line start() learns the port from
      ...(opts.port ? {} : { FLOTILLA_LOG_LEVEL: 'info' }),
      FLOTILLA_SERVER__HOST: '127.0.0.1',
      ...renderTools(),
      ...opts.env,
      FLOTILLA_PORT: String(opts.port ?? 0),
      FLOTILLA_DATA_DIR: opts.dataDir,
    };
  }

  /** Starts it and waits until it is listening and GET /readyz answers 200. */
  static async start(opts: ServiceProcessOptions): Promise<ServiceProcess> {
    const env = ServiceProcess.environment(opts);
    if (!opts.port && !['trace', 'debug', 'info'].includes(env.FLOTILLA_LOG_LEVEL)) {
      throw new Error(`FLOTILLA_LOG_LEVEL=${env.FLOTILLA_LOG_LEVEL} hides the "flotilla listening" line (info) that start() learns the port from: give it a port`);
    }
    opts.signal?.throwIfAborted();
    mkdirSync(opts.dataDir, { recursive: true }); // also the default working directory
    const command = [process.execPath, '-r', '@swc-node/register', join(root, 'src/main.ts')];
    // setpriv execs node in its place: the child's pid is the service's own
    const [file, args] = parentDeathWrapper() ? ['setpriv', ['--pdeathsig', opts.parentDeathSignal ?? 'KILL', '--', ...command]] : [command[0], command.slice(1)];
    const lines: string[] = [];
    const child = spawn(file, args, { cwd: opts.cwd ?? opts.dataDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<Exit>((done) => {
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', (e) => {
        lines.push(`${e}`);
        done({ code: null, signal: null });
      }); // it could not be started
    });
    const exitHook = () => killGroup(child, 'SIGKILL');
    process.once('exit', exitHook); // from here on, also while it starts

    const log: WriteStream | undefined = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    log?.on('error', () => undefined); // a log file that cannot be written must not stop the run
    const keep = (line: string) => {
      lines.push(line);
      log?.write(`${line}\n`);
      if (log && lines.length > LINES_KEPT_WITH_LOG_FILE) lines.shift();
    };
    let listening: (port: number) => void = () => undefined;
    const loggedPort = new Promise<number>((done) => (listening = done));
    // read both streams to the end, always: a full pipe would stall the service
    const stdout = createInterface({ input: child.stdout });
    const stderr = createInterface({ input: child.stderr });
    stdout.on('line', (line) => {
      keep(line);
      try {
        const entry = JSON.parse(line);
        if (entry.msg === 'flotilla listening') listening(entry.port);
      } catch {
        /* not a log line */
      }
    });
    stderr.on('line', keep);
    const drained = Promise.all([once(stdout, 'close'), once(stderr, 'close')]).then(() => log && new Promise((done) => log.end(done)));

    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    let abort: () => void = () => undefined;
    let decided = false;
    const ready = (opts.port ? Promise.resolve(opts.port) : loggedPort).then(async (port) => {
      const url = `http://127.0.0.1:${port}`;
      while (!decided && (await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200) await sleep(100);
      return { url };
    });
    const outcome = await Promise.race([
      ready,
      exited.then((e) => ({ exited: e })),
      new Promise<{ timeout: true }>((done) => (timer = setTimeout(() => done({ timeout: true }), timeoutMs))),
      new Promise<{ aborted: true }>((done) => {
        abort = () => done({ aborted: true });
        opts.signal?.addEventListener('abort', abort, { once: true });
      }),
    ]);
    decided = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abort);
    if (!('url' in outcome)) {
      killGroup(child, 'SIGKILL');
      await exited;
      process.removeListener('exit', exitHook);
      await drainedWithin(drained);
      if ('aborted' in outcome) throw new Error('the start of the service was aborted');
      const why = 'exited' in outcome ? `exited (${outcome.exited.code ?? outcome.exited.signal})` : `was not ready within ${timeoutMs} ms`;
      throw new Error(`the service ${why}:\n${lines.slice(-30).join('\n')}`);
    }
    return new ServiceProcess(child, outcome.url, exited, drained, exitHook, lines);
  }

  /** The service's process id (node's, also under setpriv, which execs it): for reading /proc/<pid>/. */
  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` to the whole process group and waits until the service has exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.running) killGroup(this.child, signal);
    const result = await this.exited;
    // what the service started may outlive it for a moment: make sure the group is gone
    killGroup(this.child, 'SIGKILL');
    process.removeListener('exit', this.exitHook);
    await drainedWithin(this.drained);
    return result;
  }

  /**
   * Stops it gracefully, or kills it after `graceMs` (the service itself gives up after
   * server.shutdownTimeoutSeconds, 20 s by default); safe to call when it has already exited.
   */
  async stop(graceMs = 25_000): Promise<void> {
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
    try {
      await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* the group is gone */
  }
}

/** The pipes close once the last process holding them is gone, which is at once after a group kill; never hang on it. */
async function drainedWithin(drained: Promise<unknown>, ms = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drained, new Promise((done) => (timer = setTimeout(done, ms)))]);
  clearTimeout(timer);
}
