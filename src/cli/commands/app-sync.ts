// app sync|diff|wait.
import type { Command } from 'commander';
import type { components } from '../api-schema';
import { CliError, EXIT } from '../errors';
import { type Paint, short } from '../output';
import { lastRunId, reportWait, waitForRuns, waitForState, type Watched } from '../progress';
import { Session } from '../session';
import { listApplications } from '../queries';
import { collect, parseTarget, seconds } from './parse';

type DiffView = components['schemas']['DiffView'];
type DiffChangeView = components['schemas']['DiffChangeView'];

interface SyncOptions {
  selector?: string;
  target: string[];
  dryRun?: boolean;
  prune?: boolean;
  revision?: string;
  wait?: boolean;
  timeout: string;
}

const CHANGING = new Set(['created', 'configured', 'pruned']);

export function appSyncCommands(app: Command): void {
  app
    .command('sync')
    .description('sync an application (or every application a selector matches) now')
    .argument('[name]')
    .option('-l, --selector <selector>', 'sync every application with these labels')
    .option('--target <cluster/namespace>', 'only this target (repeatable)', collect, [])
    .option('--dry-run', 'show what would change, change nothing')
    .option('--prune', 'delete objects removed from git in this run, whatever the policy says')
    .option('--revision <rev>', 'apply this branch, tag or SHA in this run')
    .option('--wait', 'follow the runs; exit 1 if a target fails or time runs out')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .addHelpText(
      'after',
      `
Examples:
  flotilla app sync guestbook --wait
  flotilla app sync guestbook --target prod-eu/guestbook --prune --wait --timeout 10m
  flotilla app sync -l team=web --wait
  flotilla app sync guestbook --dry-run`,
    )
    .action(async (name: string | undefined, opts: SyncOptions, cmd: Command) => {
      const session = Session.of(cmd);
      if (!!name === !!opts.selector) throw new CliError('name one application, or choose several with -l SELECTOR', 'flotilla app sync NAME, or flotilla app sync -l team=web');
      const apps = name ? [await session.call(session.api.GET('/api/v1/applications/{name}', { params: { path: { name } } }))] : await listApplications(session, opts.selector);
      if (!apps.length) throw new CliError(`no application matches ${opts.selector}`);
      const targets = opts.target.length ? opts.target.map(parseTarget) : undefined;
      if (targets && apps.length > 1) throw new CliError('--target names targets of one application; give its name instead of -l');
      const body = { dryRun: opts.dryRun === true, ...(targets ? { targets } : {}), ...(opts.prune ? { prune: true } : {}), ...(opts.revision ? { revision: opts.revision } : {}) };

      if (opts.dryRun) {
        const plans: Record<string, DiffView> = {};
        for (const a of apps) plans[a.name] = (await session.call(session.api.POST('/api/v1/applications/{name}/sync', { params: { path: { name: a.name } }, body }))) as DiffView;
        session.print(name ? plans[name] : plans, () =>
          Object.entries(plans)
            .map(([n, d]) => `${apps.length > 1 ? `# ${n}\n` : ''}${renderDiff(session, d, false)}`)
            .join('\n'),
        );
        return;
      }
      const watched: Watched[] = [];
      const queued: Record<string, unknown> = {};
      for (const a of apps) {
        const accepted = await session.call(session.api.POST('/api/v1/applications/{name}/sync', { params: { path: { name: a.name } }, body }));
        const list = 'queued' in accepted ? accepted.queued : [];
        queued[a.name] = list;
        for (const q of list) {
          const before = a.status.targets.find((t) => t.cluster === q.cluster && t.namespace === q.namespace);
          watched.push({ application: a.name, cluster: q.cluster, namespace: q.namespace, afterRunId: before ? lastRunId(before) : 0 });
        }
      }
      if (!opts.wait) {
        session.print(
          name ? { queued: queued[name] } : { queued },
          () => `Sync queued for ${watched.length} target(s) of ${apps.map((a) => a.name).join(', ')}${watched.length ? '' : ' (no targets)'}`,
        );
        return;
      }
      const title = `syncing ${apps.map((a) => a.name).join(', ')}`;
      reportWait(session, await waitForRuns(session, watched, { timeoutMs: seconds(opts.timeout, '--timeout') * 1000, triggers: ['manual'], title }), opts.timeout);
    });

  app
    .command('diff')
    .description('what a sync would change, per target and object; exits 0 no difference, 1 differences, 2 error')
    .argument('<name>')
    .option('--revision <rev>', "compare this branch, tag or SHA instead of the application's")
    .option('--all', 'also list unchanged objects')
    .addHelpText(
      'after',
      `
Exit codes (as argocd app diff): 0 live matches git, 1 there are differences, 2 an error
(a target could not be diffed, or the request failed). Fields a drift rule (ignoreDifferences) leaves
alone are listed dimmed, marked [ignored: drift rule]; they are not differences.

Examples:
  flotilla app diff guestbook
  flotilla app diff guestbook --revision main -o json | jq '.targets[].changes[] | select(.action != "unchanged")'`,
    )
    .action(async (name: string, opts: { revision?: string; all?: boolean }, cmd: Command) => {
      const session = Session.of(cmd);
      let diff: DiffView;
      try {
        diff = await session.call(session.api.GET('/api/v1/applications/{name}/diff', { params: { path: { name }, query: { revision: opts.revision } } }));
      } catch (e) {
        throw e instanceof CliError ? new CliError(e.message, e.hint, EXIT.diffError) : e;
      }
      session.print(diff, () => renderDiff(session, diff, opts.all === true));
      const errors = diff.targets.filter((t) => t.error || t.changes.some((c) => c.action === 'failed'));
      if (errors.length) {
        const t = errors[0];
        throw new CliError(
          `cannot diff ${t.cluster}/${t.namespace}: ${t.error ?? t.changes.find((c) => c.action === 'failed')?.message ?? 'an object failed'}`,
          undefined,
          EXIT.diffError,
        );
      }
      process.exitCode = diffExitCode(diff);
    });

  app
    .command('wait')
    .description('wait until every target is Synced and/or Healthy; exit 1 on timeout')
    .argument('<name>')
    .option('--sync', 'wait for Synced')
    .option('--health', 'wait for Healthy')
    .option('--timeout <duration>', 'how long to wait', '5m')
    .addHelpText(
      'after',
      `
Without --sync or --health it waits for both.

Examples:
  flotilla app wait guestbook --health --timeout 10m`,
    )
    .action(async (name: string, opts: { sync?: boolean; health?: boolean; timeout: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const both = !opts.sync && !opts.health;
      const result = await waitForState(session, name, {
        sync: both || opts.sync === true,
        health: both || opts.health === true,
        timeoutMs: seconds(opts.timeout, '--timeout') * 1000,
      });
      reportWait(session, result, opts.timeout);
    });
}

const MARK: Record<string, string> = { created: '+', configured: '~', pruned: '-', failed: '!', skipped: '·', unchanged: '=' };

/**
 * One field difference of an object. `ignored`: git and the cluster differ there but a drift rule
 * (the application's ignoreDifferences) leaves the field alone: not a change Flotilla applies, and
 * it does not make the object OutOfSync.
 */
export type FieldDiff = components['schemas']['FieldChangeView'];

export function fieldDiffs(c: Pick<DiffChangeView, 'diff'>): FieldDiff[] {
  return c.diff ?? [];
}

/**
 * Whether an object counts as a difference for `app diff`: created, configured or pruned, unless
 * every field difference it has is ignored by a drift rule (the server reports such an object
 * as unchanged; this holds even if one came as configured).
 */
export function isDifference(c: Pick<DiffChangeView, 'action' | 'diff'>): boolean {
  if (!CHANGING.has(c.action)) return false;
  const fields = fieldDiffs(c);
  return !(c.action === 'configured' && fields.length > 0 && fields.every((f) => f.ignored === true));
}

/** `app diff`'s exit code once no target failed: 1 when something would change, else 0. */
export function diffExitCode(diff: DiffView): number {
  return diff.targets.some((t) => t.changes.some(isDifference)) ? 1 : 0;
}

const ignoredCount = (c: Pick<DiffChangeView, 'diff'>) => fieldDiffs(c).filter((f) => f.ignored === true).length;

function value(v: unknown): string {
  if (v === undefined) return '<none>';
  return short(JSON.stringify(v), 120);
}

/**
 * A field line: a change as `path: live → git` in red and green; an ignored difference dimmed,
 * without an arrow, as `path: live (git: value)  [ignored: drift rule]`.
 */
export function fieldLine(p: Paint, d: FieldDiff): string {
  if (d.ignored === true) return p.dim(`    ${d.path ?? '?'}: ${value(d.live)} (git: ${value(d.desired)})  [ignored: drift rule]`);
  return `    ${d.path ?? '?'}: ${p.red(value(d.live))} → ${p.green(value(d.desired))}`;
}

export function renderDiff(session: Pick<Session, 'paint'>, diff: DiffView, all: boolean): string {
  const p = session.paint;
  const colour = (action: string, s: string) =>
    action === 'created' ? p.green(s) : action === 'pruned' || action === 'failed' ? p.red(s) : action === 'configured' ? p.yellow(s) : s;
  const out: string[] = [];
  for (const t of diff.targets) {
    // unchanged objects are listed with --all, and always when they carry differences a drift rule ignores
    const changes = t.changes.filter((c) => all || c.action !== 'unchanged' || ignoredCount(c) > 0);
    const unchanged = t.changes.filter((c) => c.action === 'unchanged' || (CHANGING.has(c.action) && !isDifference(c))).length;
    const ignoring = t.changes.filter((c) => !isDifference(c) && ignoredCount(c) > 0).length;
    out.push(p.bold(`=== ${t.cluster}/${t.namespace}${t.revision ? ` @ ${t.revision.slice(0, 7)}` : ''}`));
    if (t.error) out.push(p.red(`! ${t.error}`));
    for (const c of changes) {
      const gv = c.group ? `${c.group}/${c.version}` : c.version;
      const where = c.namespace ? `${c.namespace}/${c.name}` : c.name;
      const ignored = ignoredCount(c);
      if (CHANGING.has(c.action) && !isDifference(c)) {
        // every difference is ignored: shown as what it is, not as a change
        out.push(p.dim(`${MARK.unchanged} ${c.kind} ${where} (${gv}) unchanged: ${ignored} difference${ignored === 1 ? '' : 's'} ignored by a drift rule`));
      } else {
        const note = ignored ? ` (${ignored} difference${ignored === 1 ? '' : 's'} ignored by a drift rule)` : '';
        out.push(colour(c.action, `${MARK[c.action] ?? '?'} ${c.kind} ${where} (${gv}) ${c.action}${c.message ? `: ${short(c.message, 200)}` : ''}${note}`));
      }
      for (const d of fieldDiffs(c)) out.push(fieldLine(p, d));
    }
    if (!t.error && !t.changes.some(isDifference)) {
      const objects = `${unchanged} object${unchanged === 1 ? '' : 's'} unchanged`;
      out.push(p.dim(`  no differences (${ignoring ? `${objects}, ${ignoring} with differences a drift rule ignores` : objects})`));
    }
  }
  return out.length ? out.join('\n') + '\n' : 'No targets.\n';
}
