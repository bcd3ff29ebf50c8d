// Parsing manifests off the event loop. YAML parsing runs at about 1–2 MB/s, so a render of a few
// megabytes would stop the API, webhooks and every other sync for seconds: anything but a small
// input is parsed by a worker process (manifest-worker.ts) from a small pool. A worker's heap is
// capped (--max-old-space-size: a parse needing more ends that process, never the service), it
// is killed at the render's deadline, and its results come back in batches, each one short task
// on this event loop. Inputs of a few kilobytes — most applications — are parsed inline: a round
// trip would cost more than the parse.
//
// Processes rather than worker threads: a worker thread stopped by its heap limit is cleaned up
// inside the service's own process, and a new thread started after that crashed the process
// (SIGSEGV) under the test runner. A process that runs out of memory takes nothing with it.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BUDGET_KEYS, type RenderBudgets } from './budgets';
import { type ParseFailure, type ParseJob, type ParseMessage, type ParseSource, runJob, WORKER_MARK } from './manifest-worker';
import { RenderError, type RenderedObject } from './render-error';

export type { ParseSource };

export interface ManifestParserOptions {
  /** parse workers at most; default 2 */
  workers?: number;
  /** inputs up to this many bytes are parsed inline; default 32 KiB (a few milliseconds) */
  inlineBytes?: number;
  /** an idle worker is stopped after this long; default 60 s */
  idleMs?: number;
}

interface Slot {
  child: ChildProcess;
  memoryMb: number;
  busy: boolean;
  /** the process has ended */
  exited: Promise<void>;
  /** V8 said on stderr that the heap ran out (sticky: its native stack trace may be long) */
  outOfMemory: boolean;
  /** the end of stderr, scanned with each new chunk so a message split across chunks is seen */
  stderrTail: string;
  idle?: NodeJS.Timeout;
}

export interface ParseOptions {
  /** stops the parse (the worker is killed); the promise rejects with a plain Error */
  signal?: AbortSignal;
}

/** `sources` with the size of each when known (files are stat-ed before) */
export type SizedSource = ParseSource & { bytes?: number };

export class ManifestParser {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly maxWorkers: number;
  private readonly inlineBytes: number;
  private readonly idleMs: number;
  private jobs = 0;
  /** workers killed but not yet ended: they still count against the pool's size */
  private ending = 0;

  constructor(options: ManifestParserOptions = {}) {
    this.maxWorkers = Math.max(1, options.workers ?? 2);
    this.inlineBytes = options.inlineBytes ?? 32 * 1024;
    this.idleMs = options.idleMs ?? 60_000;
  }

  /** The objects of every source in order, within `budgets` counted across all of them. */
  async parse(sources: readonly SizedSource[], budgets: RenderBudgets, options: ParseOptions = {}): Promise<RenderedObject[]> {
    const size = sources.reduce((n, s) => n + (s.text !== undefined ? s.text.length : (s.bytes ?? Infinity)), 0);
    if (size <= this.inlineBytes) return this.inline(sources, budgets);
    const slot = await this.acquire(budgets.parseMemoryMb, options.signal);
    return this.run(slot, { id: ++this.jobs, budgets, sources: sources.map(({ file, path, text }) => ({ file, path, text })) }, options.signal);
  }

  /** Stops every worker (idle ones stop on their own after `idleMs`). */
  async close(): Promise<void> {
    const slots = [...this.slots];
    for (const slot of slots) this.discard(slot);
    await Promise.all(slots.map((s) => s.exited));
  }

  private async inline(sources: readonly SizedSource[], budgets: RenderBudgets): Promise<RenderedObject[]> {
    const texts: ParseSource[] = [];
    for (const s of sources) {
      if (s.text !== undefined) texts.push(s);
      else
        texts.push({
          file: s.file,
          text: await readFile(s.path!, 'utf8').catch((e: NodeJS.ErrnoException) => {
            throw new RenderError(s.file, undefined, `cannot be read (${e.code ?? 'error'})`, true);
          }),
        });
    }
    const out: RenderedObject[] = [];
    let failure: ParseFailure | undefined;
    runJob({ id: 0, budgets, sources: texts }, (m) => {
      if (m.type === 'objects') out.push(...m.objects);
      else if (m.type === 'failed') failure = m.failure;
    });
    if (failure) throw errorOf(failure);
    return out;
  }

  private run(slot: Slot, job: ParseJob, signal?: AbortSignal): Promise<RenderedObject[]> {
    return new Promise<RenderedObject[]>((resolve, reject) => {
      const objects: RenderedObject[] = [];
      let current = job.sources[0]?.file ?? '.';
      let settled = false;
      const finish = (error: Error | undefined, keepWorker: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        slot.child.off('message', onMessage).off('close', onExit);
        if (keepWorker) this.release(slot);
        else this.discard(slot);
        if (error) reject(error);
        else resolve(objects);
      };
      const onMessage = (m: ParseMessage) => {
        if (m.id !== job.id) return;
        if (m.type === 'file') current = m.file;
        else if (m.type === 'objects') objects.push(...m.objects);
        else if (m.type === 'done') finish(undefined, true);
        else finish(errorOf(m.failure), true);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        finish(
          slot.outOfMemory
            ? new RenderError(current, undefined, `parsing needs more than the ${job.budgets.parseMemoryMb} MiB of memory a render may use (${BUDGET_KEYS.parseMemoryMb})`)
            : new Error(`the manifest parser stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`),
          false,
        );
      };
      const onAbort = () => finish(new Error('the render was cancelled'), false);
      const deadline = setTimeout(() => {
        finish(new RenderError(current, undefined, `parsing took longer than ${+(job.budgets.parseTimeoutMs / 1000).toFixed(1)} s (${BUDGET_KEYS.parseTimeoutMs})`), false);
      }, job.budgets.parseTimeoutMs);
      // 'close': after stderr is read to its end, which says whether memory ran out
      slot.child.on('message', onMessage).on('close', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) return onAbort();
      slot.child.send(job, (e) => e && finish(new Error(`the manifest parser could not be reached: ${e.message}`), false));
    });
  }

  private async acquire(memoryMb: number, signal?: AbortSignal): Promise<Slot> {
    for (;;) {
      if (signal?.aborted) throw new Error('the render was cancelled');
      const idle = this.slots.find((s) => !s.busy && s.memoryMb === memoryMb);
      if (idle) return this.take(idle);
      const other = this.slots.find((s) => !s.busy);
      if (other) this.discard(other); // made for another memory budget
      if (this.slots.length + this.ending < this.maxWorkers) return this.take(this.spawn(memoryMb));
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  private take(slot: Slot): Slot {
    slot.busy = true;
    if (slot.idle) clearTimeout(slot.idle);
    slot.child.ref();
    slot.child.channel?.ref();
    return slot;
  }

  private release(slot: Slot): void {
    slot.busy = false;
    // an idle worker keeps nothing alive
    slot.child.unref();
    slot.child.channel?.unref();
    slot.idle = setTimeout(() => !slot.busy && this.discard(slot), this.idleMs);
    slot.idle.unref();
    this.waiting.shift()?.();
  }

  /** Kills a worker; its place is free once the process has ended. */
  private discard(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    this.ending++;
    if (slot.idle) clearTimeout(slot.idle);
    slot.child.kill('SIGKILL');
    void slot.exited.then(() => {
      this.ending--;
      this.waiting.shift()?.();
    });
  }

  private spawn(memoryMb: number): Slot {
    const { filename, execArgv } = workerEntry();
    const child = fork(filename, [], {
      execArgv: [...execArgv, `--max-old-space-size=${memoryMb}`],
      // nothing of the service's environment (tokens, keys) but what node needs
      env: workerEnv(),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const slot: Slot = { child, memoryMb, busy: false, outOfMemory: false, stderrTail: '', exited: new Promise<void>((done) => child.once('exit', () => done())) };
    child.stderr?.on('data', (d: Buffer) => {
      const seen = slot.stderrTail + d.toString('utf8');
      if (OUT_OF_MEMORY.test(seen)) slot.outOfMemory = true;
      slot.stderrTail = seen.slice(-256);
    });
    child.on('error', () => this.discard(slot));
    // an exit outside a job (nothing listens then) only retires the worker
    child.on('exit', () => this.discard(slot));
    this.slots.push(slot);
    return slot;
  }
}

/**
 * The compiled worker beside this file (dist/), or — when running from the TypeScript sources
 * (tests, scripts) — the .ts file loaded through @swc-node/register.
 */
function workerEntry(): { filename: string; execArgv: string[] } {
  const js = join(__dirname, 'manifest-worker.js');
  if (existsSync(js)) return { filename: js, execArgv: [] };
  const ts = join(__dirname, 'manifest-worker.ts');
  return { filename: ts, execArgv: ['--require', createRequire(ts).resolve('@swc-node/register')] };
}

/** what V8 prints when a heap limit is reached ("Reached heap limit", "Ineffective mark-compacts
 * near heap limit", "Allocation failed - JavaScript heap out of memory", "Fatal process out of memory") */
const OUT_OF_MEMORY = /heap out of memory|heap limit|Allocation failed|process out of memory/i;

function workerEnv(): Record<string, string> {
  const env: Record<string, string> = { [WORKER_MARK]: '1' };
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (k === 'PATH' || k === 'NODE_ENV' || k === 'TZ' || k.startsWith('SWC_') || k === 'TS_NODE_PROJECT')) env[k] = v;
  }
  return env;
}

function errorOf(failure: ParseFailure): Error {
  return 'detail' in failure ? new RenderError(failure.file, failure.line, failure.detail, failure.transient) : new Error(failure.message);
}

let shared: ManifestParser | undefined;

/** One pool for the process, used by renderers not given their own. */
export function sharedManifestParser(): ManifestParser {
  shared ??= new ManifestParser();
  return shared;
}
