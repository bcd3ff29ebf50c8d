// `--wait`: follows the runs a sync or rollback asked for and shows them — reading the state from
// the API at once after each live event about the application, and every few seconds anyway: a table redrawn in place on a terminal, one line per
// change of state otherwise. A target is done when the first run after the request, started by
// that request's trigger, has finished; a failure that ends a trigger without a run (revision
// not found, cluster unreachable) counts too.
import type { components } from './api-schema';
import { CliError } from './errors';
import { followEvents, Wake } from './live';
import { short, table, visibleLength } from './output';
import type { Session } from './session';

type ApplicationView = components['schemas']['ApplicationView'];
type TargetView = components['schemas']['TargetView'];
type SyncRunView = components['schemas']['SyncRunView'];

export interface Watched {
  application: string;
  cluster: string;
  namespace: string;
  /** the target's last run id before the request: the run we wait for comes after it */
  afterRunId: number;
}

export type TargetState = 'Queued' | 'Running' | 'Succeeded' | 'Failed' | 'Blocked' | 'Interrupted' | 'Gone' | 'Waiting' | 'Ready';

export interface TargetProgress extends Watched {
  state: TargetState;
  runId: number | null;
  sync: string;
  health: string;
  revision: string | null;
  message: string | null;
}

export interface WaitResult {
  ok: boolean;
  timedOut: boolean;
  targets: TargetProgress[];
}

const FINISHED: TargetState[] = ['Succeeded', 'Failed', 'Blocked', 'Interrupted', 'Gone', 'Ready'];
const GOOD: TargetState[] = ['Succeeded', 'Ready'];
export const key = (t: { application: string; cluster: string; namespace: string }) => `${t.application}/${t.cluster}/${t.namespace}`;
export const lastRunId = (t: TargetView) => t.lastSyncRun?.id ?? 0;

export interface WaitOptions {
  timeoutMs: number;
  /** triggers a run we wait for may carry: manual for sync, rollback for rollback */
  triggers: string[];
  pollMs?: number;
  title: string;
}

export async function waitForRuns(session: Session, watched: Watched[], opts: WaitOptions): Promise<WaitResult> {
  const state = new Map<string, TargetProgress>(watched.map((w) => [key(w), { ...w, state: 'Queued', runId: null, sync: '-', health: '-', revision: null, message: null }]));
  const view = new ProgressView(session, opts.title);
  const started = Date.now();
  const suspicious = new Set<string>(); // failed without a run on the last poll
  const apps = [...new Set(watched.map((w) => w.application))];
  const live = liveWake(session, apps);
  try {
    for (;;) {
      for (const name of apps) {
        const app = await session.call(session.api.GET('/api/v1/applications/{name}', { params: { path: { name } } }));
        for (const p of state.values()) {
          if (p.application !== name || FINISHED.includes(p.state)) continue;
          await advance(session, p, app, opts.triggers, suspicious);
        }
      }
      const all = [...state.values()];
      const done = all.every((p) => FINISHED.includes(p.state));
      const timedOut = !done && Date.now() - started >= opts.timeoutMs;
      view.show(all, Date.now() - started, done || timedOut);
      if (done || timedOut) return { ok: done && all.every((p) => GOOD.includes(p.state)), timedOut, targets: all };
      await live.next(Math.min(opts.pollMs ?? POLL_MS, started + opts.timeoutMs - Date.now()));
    }
  } finally {
    live.close();
  }
}

/** every few seconds while the event stream is open, every second without it */
export const POLL_MS = 5_000;
const POLL_WITHOUT_EVENTS_MS = 1_000;

export interface LiveWake {
  /** sleeps `ms`, or until shortly after an event; at most a second while the stream is not open */
  next(ms: number): Promise<void>;
  close(): void;
}

/** A wake-up on every event of these types (run and target by default) about these applications. */
export function liveWake(session: Session, apps: string[], types = 'run,target'): LiveWake {
  const wake = new Wake();
  const feed = followEvents(session, { application: apps.length === 1 ? apps[0] : undefined, types }, (e) => {
    if (apps.includes(String(e.data.application))) wake.kick();
  });
  return {
    next: (ms: number) => wake.wait(Math.max(0, feed.connected ? ms : Math.min(ms, POLL_WITHOUT_EVENTS_MS))),
    close: () => feed.close(),
  };
}

async function advance(session: Session, p: TargetProgress, app: ApplicationView, triggers: string[], suspicious: Set<string>): Promise<void> {
  const t = app.status.targets.find((x) => x.cluster === p.cluster && x.namespace === p.namespace);
  if (!t || t.leaving) {
    Object.assign(p, { state: 'Gone', message: "the target left the application's fan-out" });
    return;
  }
  Object.assign(p, { sync: t.sync, health: t.health, revision: t.revision?.shortSha ?? null });
  const last = t.lastSyncRun;
  let run: Pick<SyncRunView, 'id' | 'phase' | 'message'> | undefined;
  if (last && last.id > p.afterRunId) {
    // the newest run is ours, or a later one (a retry) hides ours: then history has it
    run = triggers.includes(last.trigger) && (p.runId === null || p.runId === last.id) ? last : await ourRun(session, p, triggers);
  }
  if (run) {
    suspicious.delete(key(p));
    p.runId = run.id;
    p.state = run.phase;
    p.message = run.phase === 'Succeeded' ? null : (run.message ?? t.message);
    return;
  }
  p.message = t.message;
  // the trigger was taken but ended before a run (failures counts it): believe it on the second look
  if (t.failures > 0 && t.message) {
    if (suspicious.has(key(p))) p.state = 'Failed';
    else suspicious.add(key(p));
  } else suspicious.delete(key(p));
}

async function ourRun(session: Session, p: TargetProgress, triggers: string[]): Promise<SyncRunView | undefined> {
  const page = await session.call(
    session.api.GET('/api/v1/applications/{name}/history', {
      params: { path: { name: p.application }, query: { cluster: p.cluster, namespace: p.namespace, limit: 20 } },
    }),
  );
  return page.items.filter((r) => r.id > p.afterRunId && triggers.includes(r.trigger)).sort((a, b) => a.id - b.id)[0];
}

/** The progress on stderr: redrawn on a terminal, a line per change otherwise. */
class ProgressView {
  private readonly screen: InPlace;
  private readonly said = new Map<string, string>();

  constructor(
    private readonly session: Session,
    private readonly title: string,
  ) {
    this.screen = new InPlace(session.stderr);
  }

  show(targets: TargetProgress[], elapsedMs: number, final: boolean): void {
    const s = this.session;
    const p = s.errPaint;
    if (s.stderr.isTTY) {
      const finished = targets.filter((t) => FINISHED.includes(t.state)).length;
      const failed = targets.filter((t) => FINISHED.includes(t.state) && !GOOD.includes(t.state)).length;
      const head = `${this.title}: ${finished}/${targets.length} done${failed ? `, ${p.red(`${failed} failed`)}` : ''} (${Math.round(elapsedMs / 1000)}s)`;
      const body = table(
        ['target', 'run', 'state', 'sync', 'health', 'revision', 'message'],
        targets.map((t) => [
          `${t.application}/${t.cluster}/${t.namespace}`,
          t.runId ? `#${t.runId}` : '-',
          p.status(t.state),
          p.status(t.sync),
          p.status(t.health),
          t.revision ?? '-',
          short(t.message, 60),
        ]),
      );
      this.screen.draw(`${head}\n${body}`);
      return;
    }
    for (const t of targets) {
      const line = `${t.application} ${t.cluster}/${t.namespace}: ${t.state}${t.runId ? ` (run #${t.runId})` : ''}${FINISHED.includes(t.state) ? ` sync=${t.sync} health=${t.health}` : ''}${t.message ? ` — ${short(t.message, 200)}` : ''}`;
      if (this.said.get(key(t)) !== line) {
        s.note(line);
        this.said.set(key(t), line);
      }
    }
    if (final) s.note(`${this.title}: done after ${Math.round(elapsedMs / 1000)}s`);
  }
}

/** A block of lines on a terminal, drawn again over itself; lines wider than the terminal are cut. */
export class InPlace {
  private drawn = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  draw(text: string): void {
    const width = this.stream.columns || 120;
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => (visibleLength(l) > width ? l.slice(0, width + (l.length - visibleLength(l)) - 1) : l));
    const up = this.drawn ? `\x1b[${this.drawn}A\r\x1b[J` : '';
    this.stream.write(`${up}${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

/** The summary after a wait, on stdout; an error (exit 1) when a target failed or time ran out. */
export function reportWait(session: Session, result: WaitResult, timeoutText: string): void {
  const p = session.paint;
  session.print(result, () =>
    table(
      ['application', 'target', 'run', 'state', 'sync', 'health', 'revision', 'message'],
      result.targets.map((t) => [
        t.application,
        `${t.cluster}/${t.namespace}`,
        t.runId ? `#${t.runId}` : '-',
        p.status(t.state),
        p.status(t.sync),
        p.status(t.health),
        t.revision ?? '-',
        short(t.message, 80),
      ]),
    ),
  );
  if (result.timedOut) {
    const pending = result.targets.filter((t) => !FINISHED.includes(t.state)).map((t) => `${t.cluster}/${t.namespace}`);
    throw new CliError(`timed out after ${timeoutText} waiting for ${pending.join(', ')}`, 'raise --timeout, or look with flotilla app get');
  }
  const failed = result.targets.filter((t) => !GOOD.includes(t.state));
  if (failed.length) {
    const first = failed[0];
    throw new CliError(
      `${failed.length} of ${result.targets.length} target${result.targets.length === 1 ? '' : 's'} failed; ${first.application} ${first.cluster}/${first.namespace}: ${first.state}${first.message ? ` — ${short(first.message, 300)}` : ''}`,
      `see flotilla app history ${first.application} --cluster ${first.cluster} --namespace ${first.namespace}`,
    );
  }
}

export interface StateWaitOptions {
  sync: boolean;
  health: boolean;
  timeoutMs: number;
  pollMs?: number;
}

/** `app wait`: until every target is Synced (--sync) and Healthy (--health), or the timeout. */
export async function waitForState(session: Session, name: string, opts: StateWaitOptions): Promise<WaitResult> {
  const view = new ProgressView(session, `waiting for ${name} to be ${[opts.sync && 'Synced', opts.health && 'Healthy'].filter(Boolean).join(' and ')}`);
  const started = Date.now();
  const live = liveWake(session, [name]);
  try {
    return await pollState(session, name, opts, view, started, live);
  } finally {
    live.close();
  }
}

async function pollState(session: Session, name: string, opts: StateWaitOptions, view: ProgressView, started: number, live: ReturnType<typeof liveWake>): Promise<WaitResult> {
  for (;;) {
    const app = await session.call(session.api.GET('/api/v1/applications/{name}', { params: { path: { name } } }));
    const targets = app.status.targets
      .filter((t) => !t.leaving)
      .map((t): TargetProgress => {
        const ready = (!opts.sync || t.sync === 'Synced') && (!opts.health || t.health === 'Healthy');
        return {
          application: name,
          cluster: t.cluster,
          namespace: t.namespace,
          afterRunId: 0,
          state: ready ? 'Ready' : 'Waiting',
          runId: t.lastSyncRun?.id ?? null,
          sync: t.sync,
          health: t.health,
          revision: t.revision?.shortSha ?? null,
          message: t.message,
        };
      });
    const done = targets.every((t) => t.state === 'Ready');
    const timedOut = !done && Date.now() - started >= opts.timeoutMs;
    view.show(targets, Date.now() - started, done || timedOut);
    if (done || timedOut) return { ok: done, timedOut, targets };
    await live.next(Math.min(opts.pollMs ?? POLL_MS, started + opts.timeoutMs - Date.now()));
  }
}
