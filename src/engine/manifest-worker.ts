// The parse worker (see manifest-parser.ts): a child process that parses the manifests of one
// render at a time, off the service's event loop, and sends the objects back in batches. Its heap
// is capped by the pool (--max-old-space-size), so a parse that needs more memory ends this
// process, never the service.
import { readFileSync, statSync } from 'node:fs';
import type { RenderBudgets } from './budgets';
import { parseManifestText, RenderBudget, tooLarge } from './manifest-yaml';
import { RenderError, type RenderedObject } from './render-error';

export interface ParseSource {
  /** as the repository spells it, for messages */
  file: string;
  /** a file to read (inside an exported tree) … */
  path?: string;
  /** … or the text itself (a renderer's output) */
  text?: string;
}

export interface ParseJob {
  id: number;
  budgets: RenderBudgets;
  sources: ParseSource[];
}

export type ParseFailure = { file: string; line?: number; detail: string; transient: boolean } | { message: string };

export type ParseMessage =
  | { id: number; type: 'file'; file: string }
  | { id: number; type: 'objects'; objects: RenderedObject[] }
  | { id: number; type: 'done' }
  | { id: number; type: 'failed'; failure: ParseFailure };

/** objects per message: each message is one short task on the receiving event loop */
const BATCH = 200;

export function runJob(job: ParseJob, post: (m: ParseMessage) => void): void {
  const { id } = job;
  try {
    const budget = new RenderBudget(job.budgets);
    for (const source of job.sources) {
      post({ id, type: 'file', file: source.file });
      const objects = parseManifestText(source.file, source.text ?? readText(source, budget), budget);
      for (let i = 0; i < objects.length; i += BATCH) post({ id, type: 'objects', objects: objects.slice(i, i + BATCH) });
    }
    post({ id, type: 'done' });
  } catch (e) {
    post({ id, type: 'failed', failure: failureOf(e) });
  }
}

function readText(source: ParseSource, budget: RenderBudget): string {
  let size: number;
  try {
    size = statSync(source.path!).size;
  } catch (e) {
    // the message would show the host path: only the code
    throw new RenderError(source.file, undefined, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, true);
  }
  if (size > budget.limits.maxFileBytes) throw tooLarge(source.file, size, budget.limits);
  try {
    return readFileSync(source.path!, 'utf8');
  } catch (e) {
    throw new RenderError(source.file, undefined, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, true);
  }
}

export function failureOf(e: unknown): ParseFailure {
  if (e instanceof RenderError) return { file: e.file, line: e.line, detail: e.detail, transient: e.transient };
  return { message: e instanceof Error ? e.message : String(e) };
}

/** set in the environment by the pool: only a process it started listens */
export const WORKER_MARK = 'FLOTILLA_MANIFEST_WORKER';

if (process.env[WORKER_MARK] === '1' && typeof process.send === 'function') {
  const send = process.send.bind(process);
  process.on('message', (job: ParseJob) => runJob(job, (m) => send(m)));
  // the service went away: so does the worker
  process.on('disconnect', () => process.exit(0));
}
