// app rollout: an application's progressive rollout, its waves and targets; --watch follows it to
// its end; pause|resume|approve|promote|abort act on it.
import { Argument, type Command } from 'commander';
import type { components } from '../api-schema';
import { ApiError, CliError } from '../errors';
import { ago, fields, type Paint, secondsText, short, table } from '../output';
import { InPlace, liveWake, POLL_MS } from '../progress';
import { Session } from '../session';
import { seconds } from './parse';

export type RolloutView = components['schemas']['RolloutView'];
type WaveView = components['schemas']['WaveView'];

export const ROLLOUT_ACTIONS = ['pause', 'resume', 'approve', 'promote', 'abort'] as const;
type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/** States a rollout does not leave: --watch ends there. */
export const FINAL_STATES: readonly string[] = ['Completed', 'Halted', 'Superseded', 'RolledBack'];

const ACTION_PATHS = {
  pause: '/api/v1/applications/{name}/rollout/pause',
  resume: '/api/v1/applications/{name}/rollout/resume',
  approve: '/api/v1/applications/{name}/rollout/approve',
  promote: '/api/v1/applications/{name}/rollout/promote',
  abort: '/api/v1/applications/{name}/rollout/abort',
} as const;

interface RolloutOptions {
  targets?: boolean;
  watch?: boolean;
  timeout?: string;
}

export function appRolloutCommand(app: Command): void {
  app
    .command('rollout')
    .description("show an application's rollout through its waves, follow it, or pause|resume|approve|promote|abort it")
    .argument('<name>')
    .addArgument(new Argument('[action]', 'what to do to it (see Actions below)').choices(ROLLOUT_ACTIONS))
    .option('--targets', "list each wave's targets too")
    .option('--watch', 'follow the rollout until it ends; exit 0 when it completes, 1 when it halts, is superseded or rolled back')
    .option('--timeout <duration>', 'how long --watch follows it (default: until it ends)')
    .addHelpText(
      'after',
      `
The rollout of an application with a rollout definition (waves of targets, soak times,
approvals) moves one commit through the waves; a newer commit supersedes it.

Actions (operator or admin):
  pause     no new wave starts and no more targets are released
  resume    go on after a pause, or after a halt (the current wave runs again)
  approve   start the wave that waits for approval
  promote   end the current wave's soak now
  abort     every target the rollout moved goes back to the revision it held

Examples:
  flotilla app rollout guestbook --targets
  flotilla app rollout guestbook approve
  flotilla app rollout guestbook --watch --timeout 30m
  flotilla app rollout guestbook abort           # every target it moved goes back`,
    )
    .action(async (name: string, action: RolloutAction | undefined, opts: RolloutOptions, cmd: Command) => {
      const session = Session.of(cmd);
      const timeoutMs = opts.timeout ? seconds(opts.timeout, '--timeout') * 1000 : undefined;
      let rollout: RolloutView;
      if (action) {
        rollout = await session.call(session.api.POST(ACTION_PATHS[action], { params: { path: { name } } }));
        if (!opts.watch) return session.print(rollout, () => renderRollout(session.paint, rollout, { targets: opts.targets === true }));
      } else if (!opts.watch) {
        rollout = await getRollout(session, name);
        return session.print(rollout, () => renderRollout(session.paint, rollout, { targets: opts.targets === true }));
      }
      rollout = await watchRollout(session, name, { timeoutMs, timeoutText: opts.timeout });
      session.print(rollout, () => renderRollout(session.paint, rollout, { targets: opts.targets === true }));
      if (rollout.state !== 'Completed') {
        throw new CliError(`rollout #${rollout.id} of ${name} ended ${rollout.state}${rollout.message ? `: ${short(rollout.message, 300)}` : ''}`, HINTS[rollout.state]?.(name));
      }
    });
}

const HINTS: Record<string, (name: string) => string> = {
  Halted: (name) => `fix it and resume: flotilla app rollout ${name} resume (or push a fix: a new commit starts a new rollout)`,
  Superseded: (name) => `a newer commit started a new rollout: flotilla app rollout ${name} --watch`,
  RolledBack: (name) => `see what failed: flotilla app history ${name}`,
};

function getRollout(session: Session, name: string): Promise<RolloutView> {
  return session.call(session.api.GET('/api/v1/applications/{name}/rollout', { params: { path: { name } } }));
}

/**
 * Follows the application's current rollout until it reaches a final state: reads it at once after
 * each rollout, target or run event of the application, and every few seconds anyway (sooner when
 * a soak is about to end). Progress goes to stderr. When a newer commit supersedes the rollout,
 * what comes back is the followed rollout as the server now has it: Superseded by the new one.
 */
async function watchRollout(session: Session, name: string, opts: { timeoutMs?: number; timeoutText?: string }): Promise<RolloutView> {
  const started = Date.now();
  const progress = new WatchProgress(session, name);
  const live = liveWake(session, [name], 'rollout,target,run');
  /** the followed rollout as last read */
  let ours: RolloutView | undefined;
  try {
    for (;;) {
      const current = await currentOrNone(session, name);
      if (current && (!ours || current.id === ours.id)) ours = current;
      else if (current && ours) {
        // a newer rollout while ours had not ended: a newer commit superseded it (the server keeps only the newest readable)
        if (current.supersedes !== ours.id)
          throw new CliError(
            `rollout #${ours.id} of ${name} ended unseen, and rollout #${current.id} has started since`,
            `flotilla app rollout ${name} --watch follows the new one`,
          );
        ours = { ...ours, state: 'Superseded', supersededBy: current.id, message: `superseded by rollout #${current.id} of ${current.revision.slice(0, 7)}` };
      }
      if (ours) {
        progress.show(ours, Date.now() - started);
        if (FINAL_STATES.includes(ours.state)) return ours;
      }
      const left = opts.timeoutMs === undefined ? Infinity : started + opts.timeoutMs - Date.now();
      if (left <= 0) {
        throw new CliError(
          `timed out after ${opts.timeoutText} following ${ours ? `rollout #${ours.id} of ${name} (${ours.state})` : `${name}: no rollout started`}`,
          `raise --timeout, or look with flotilla app rollout ${name}`,
        );
      }
      await live.next(Math.min(pollDelay(ours), left));
    }
  } finally {
    live.close();
  }
}

/** every few seconds; just after the end of a soak, so the next wave shows as it starts */
function pollDelay(r: RolloutView | undefined): number {
  const soak = r?.waves.find((w) => w.state === 'Soaking')?.soakRemainingSeconds;
  return soak === undefined || soak === null ? POLL_MS : Math.max(250, Math.min(POLL_MS, soak * 1000 + 250));
}

/** The current rollout; undefined while the first one of an application with a rollout definition has not started yet. */
async function currentOrNone(session: Session, name: string): Promise<RolloutView | undefined> {
  try {
    return await getRollout(session, name);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    const app = await session.call(session.api.GET('/api/v1/applications/{name}', { params: { path: { name } } }));
    if (!app.rollout) throw e;
    return undefined;
  }
}

/** The watch on stderr: the rollout redrawn in place on a terminal, a line per change otherwise. */
class WatchProgress {
  private readonly screen: InPlace;
  private said = '';

  constructor(
    private readonly session: Session,
    private readonly name: string,
  ) {
    this.screen = new InPlace(session.stderr);
  }

  show(r: RolloutView, elapsedMs: number): void {
    const s = this.session;
    if (s.stderr.isTTY) {
      this.screen.draw(`following the rollout of ${this.name} (${Math.round(elapsedMs / 1000)}s)\n${renderRollout(s.errPaint, r, { targets: false })}`);
      return;
    }
    // the soak countdown changes every read: the line says only what changed state
    const waves = r.waves.map((w) => `${w.name} ${w.state} ${w.done}/${w.total}`).join(', ');
    const line = `rollout #${r.id} ${r.revision.slice(0, 7)}: ${r.state} — ${waves}${r.message ? ` — ${short(r.message, 200)}` : ''}`;
    if (line !== this.said) s.note(line);
    this.said = line;
  }
}

/** The soak column: what is left of a running soak, else the soak the wave has. */
function soakText(w: WaveView): string {
  if (w.promotedBy) return `promoted by ${w.promotedBy}`;
  if (w.state === 'Soaking' && w.soakRemainingSeconds !== null) return `${secondsText(w.soakRemainingSeconds)} left of ${secondsText(w.soakSeconds)}`;
  return w.soakSeconds ? secondsText(w.soakSeconds) : '-';
}

function approvalText(p: Paint, w: WaveView): string {
  if (!w.approval) return '-';
  if (w.approvedBy) return `approved by ${w.approvedBy}`;
  return w.state === 'AwaitingApproval' ? p.yellow('waiting for approval') : 'required';
}

/** A rollout for people: what it moves and where it stands, a line per wave, and with `targets` each wave's targets. */
export function renderRollout(p: Paint, r: RolloutView, opts: { targets: boolean }): string {
  const head = fields([
    [
      'Rollout',
      `#${r.id} of ${r.application} to ${r.revision.slice(0, 7)} (${r.trigger}, ${r.actor}, started ${ago(r.startedAt)}${r.finishedAt ? `, ended ${ago(r.finishedAt)}` : ''})`,
    ],
    ['State', p.status(r.state)],
    ...(r.message ? [['Message', short(r.message, 200)] as [string, string]] : []),
    ...(r.haltedTarget?.cluster ? [['Halted by', `${r.haltedTarget.cluster}/${r.haltedTarget.namespace}`] as [string, string]] : []),
    ...(r.supersedes ? [['Supersedes', `#${r.supersedes}`] as [string, string]] : []),
    ...(r.supersededBy ? [['Superseded by', `#${r.supersededBy}`] as [string, string]] : []),
  ]);
  const waves = table(
    ['wave', 'state', 'done', 'soak', 'approval', 'parallel'],
    r.waves.map((w) => [
      w.name,
      p.status(w.state),
      w.done === w.total ? `${w.done}/${w.total}` : p.yellow(`${w.done}/${w.total}`),
      soakText(w),
      approvalText(p, w),
      w.maxParallel === null ? 'all' : String(w.maxParallel),
    ]),
  );
  if (!opts.targets) return `${head}\n${waves}`;
  const targets = table(
    ['wave', 'target', 'state', 'from', 'released', 'message'],
    r.waves.flatMap((w) =>
      w.targets.map((t) => [
        w.name,
        `${t.cluster}/${t.namespace}`,
        p.status(t.state),
        t.from ? t.from.slice(0, 7) : '-',
        ago(t.releasedAt),
        short(t.message ?? (t.unreachableSince ? `unreachable since ${ago(t.unreachableSince)}` : null), 70),
      ]),
    ),
  );
  return `${head}\n${waves}\n${targets}`;
}
