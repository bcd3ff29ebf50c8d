// app create|list|get|history|rollback|remove; sync, diff and wait are in app-sync.ts, rollout in app-rollout.ts.
import type { Command } from 'commander';
import type { components } from '../api-schema';
import { buildDefinition, type DefinitionFlags } from '../app-definition';
import { ApiError, CliError } from '../errors';
import { ago, duration, fields, labelsText, moment, type Paint, short, table } from '../output';
import { lastRunId, reportWait, waitForRuns } from '../progress';
import { Session } from '../session';
import { appRolloutCommand } from './app-rollout';
import { appSyncCommands } from './app-sync';
import { listApplications } from '../queries';
import { collect, seconds } from './parse';

type ApplicationView = components['schemas']['ApplicationView'];
type SyncRunView = components['schemas']['SyncRunView'];
/** A drift rule: differences on these objects' fields are left alone (Argo CD's ignoreDifferences). */
export type IgnoreDifferencesRule = components['schemas']['IgnoreDifferenceDto'];
/** The sync policy with its drift fields: reportOnly plans and diffs but never writes. */
export type SyncPolicyView = components['schemas']['SyncPolicyDto'];

export function applicationCommands(program: Command): void {
  const app = program.command('app').description('applications: a repository path fanned out to cluster/namespace targets');

  app
    .command('create')
    .description('create an application from flags or a file')
    .argument('[name]', 'application name (or name: in the file)')
    .option('-f, --file <file>', "YAML or JSON in the API's shape (- reads stdin); flags override it")
    .option('--repo <repository>', 'registered repository')
    .option('--path <path>', 'path in the repository, may use {{cluster.name}} and {{cluster.labels.KEY}}')
    .option('--revision <rev>', "branch, tag or SHA (default: the repository's branch)")
    .option('--dest <cluster:namespace>', 'a destination on a named cluster (repeatable)', collect, [])
    .option('--dest-selector <selector:namespace>', 'a destination on every cluster the selector matches (repeatable)', collect, [])
    .option('-l, --label <key=value>', 'label the application (repeatable)', collect, [])
    .option('--auto-sync', "apply new revisions automatically (the server's default)")
    .option('--no-auto-sync', 'only sync when asked')
    .option('--auto-prune', 'delete objects removed from git')
    .option('--self-heal', 'put back changes made in the cluster')
    .option('--interval <duration>', 'how often each target is checked, e.g. 120 or 2m')
    .option('--helm-value-file <file>', 'chart value file (repeatable)', collect, [])
    .option('--helm-set <key=value>', 'a helm value (repeatable)', collect, [])
    .option('--upsert', 'update the application when it exists')
    .addHelpText(
      'after',
      `
Examples:
  flotilla app create guestbook --repo deploy --path apps/guestbook \\
    --dest-selector 'env=staging:web-{{cluster.name}}' --dest prod-eu:guestbook --auto-prune --self-heal
  flotilla app create -f guestbook.yaml
  # guestbook.yaml — the body of POST /api/v1/applications:
  #   name: guestbook
  #   repository: deploy
  #   path: apps/guestbook
  #   destinations:
  #     - { clusterSelector: { matchLabels: { env: staging } }, namespace: "web-{{cluster.name}}" }
  #   syncPolicy: { automated: true, prune: true, selfHeal: true }`,
    )
    .action(async (name: string | undefined, opts: DefinitionFlags & { upsert?: boolean }, cmd: Command) => {
      const session = Session.of(cmd);
      const body = await buildDefinition(name, opts);
      let result: ApplicationView;
      let verb = 'created';
      try {
        result = await session.call(session.api.POST('/api/v1/applications', { body }));
      } catch (e) {
        if (!(opts.upsert && e instanceof ApiError && e.status === 409)) throw e;
        const { name: _name, ...changes } = body;
        result = await session.call(session.api.PATCH('/api/v1/applications/{name}', { params: { path: { name: body.name } }, body: changes }));
        verb = 'updated';
      }
      session.print(result, () => `Application "${result.name}" ${verb}: ${result.status.summary.targets} target${result.status.summary.targets === 1 ? '' : 's'}`);
    });

  app
    .command('list')
    .alias('ls')
    .description('list applications')
    .option('-l, --selector <selector>', 'label selector, e.g. team=web')
    .action(async (opts: { selector?: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const items = await listApplications(session, opts.selector);
      const p = session.paint;
      session.print(items, () =>
        items.length
          ? table(
              ['name', 'repository', 'path', 'targets', 'synced', 'healthy', 'labels'],
              items.map((a) => {
                const s = a.status.summary;
                const synced = `${s.synced}/${s.targets}`;
                const healthy = `${s.healthy}/${s.targets}`;
                return [
                  a.name,
                  a.repository,
                  a.path,
                  String(s.targets),
                  s.synced === s.targets ? p.green(synced) : p.yellow(synced),
                  s.healthy === s.targets ? p.green(healthy) : s.degraded ? p.red(healthy) : p.yellow(healthy),
                  labelsText(a.labels),
                ];
              }),
            )
          : 'No applications.',
      );
    });

  app
    .command('get')
    .description('show an application and the state of each target')
    .argument('<name>')
    .option('--resources', 'also list every object of every target')
    .action(async (name: string, opts: { resources?: boolean }, cmd: Command) => {
      const session = Session.of(cmd);
      const a = await session.call(session.api.GET('/api/v1/applications/{name}', { params: { path: { name } } }));
      session.print(a, () => describeApplication(session, a, opts.resources === true));
    });

  app
    .command('history')
    .description('sync runs, newest first')
    .argument('<name>')
    .option('--cluster <cluster>', 'only runs on this cluster')
    .option('--namespace <namespace>', 'only runs in this namespace')
    .option('--limit <n>', 'how many', '20')
    .action(async (name: string, opts: { cluster?: string; namespace?: string; limit: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const page = await session.call(
        session.api.GET('/api/v1/applications/{name}/history', {
          params: { path: { name }, query: { cluster: opts.cluster, namespace: opts.namespace, limit: Number(opts.limit) } },
        }),
      );
      session.print(page.items, () => (page.items.length ? runsTable(session, page.items) : 'No sync runs yet.'));
    });

  app
    .command('rollback')
    .description('re-apply the revision of an earlier run everywhere, and pin the application to it')
    .argument('<name>')
    .argument('[run]', 'sync run id (default: the newest successful run of another revision)')
    .option('--wait', "wait for every target's rollback run and exit 1 if one fails")
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .addHelpText(
      'after',
      `
The application stays pinned to that revision until its revision is set again
(PATCH /api/v1/applications/NAME {"revision": null} follows the branch again).

Examples:
  flotilla app history guestbook
  flotilla app rollback guestbook 42 --wait`,
    )
    .action(async (name: string, runArg: string | undefined, opts: { wait?: boolean; timeout: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const before = await session.call(session.api.GET('/api/v1/applications/{name}', { params: { path: { name } } }));
      const syncRunId = runArg ? Number(runArg) : await previousRun(session, before);
      if (!Number.isInteger(syncRunId) || syncRunId <= 0) throw new CliError(`"${runArg}" is not a sync run id`, `see flotilla app history ${name}`);
      const accepted = await session.call(session.api.POST('/api/v1/applications/{name}/rollback', { params: { path: { name } }, body: { syncRunId } }));
      if (!opts.wait) {
        session.print(
          accepted,
          () => `Rolling ${name} back to ${accepted.revision.slice(0, 12)} (run #${syncRunId}) on ${accepted.queued.length} target(s); pinned until its revision is set again`,
        );
        return;
      }
      const timeoutMs = seconds(opts.timeout, '--timeout') * 1000;
      const watched = accepted.queued.map((q) => ({
        application: name,
        ...q,
        afterRunId: lastRunId(before.status.targets.find((t) => t.cluster === q.cluster && t.namespace === q.namespace) ?? ({} as never)),
      }));
      reportWait(
        session,
        await waitForRuns(session, watched, { timeoutMs, triggers: ['rollback'], title: `rolling ${name} back to ${accepted.revision.slice(0, 7)}` }),
        opts.timeout,
      );
    });

  app
    .command('remove')
    .alias('rm')
    .description('delete an application; with --cascade, also what it deployed on every target')
    .argument('<name>')
    .option('--cascade', 'delete the objects it deployed, then the application')
    .option('--wait', 'with --cascade: wait until everything is deleted')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .action(async (name: string, opts: { cascade?: boolean; wait?: boolean; timeout: string }, cmd: Command) => {
      const session = Session.of(cmd);
      const res = await session.call(session.api.DELETE('/api/v1/applications/{name}', { params: { path: { name }, query: { cascade: opts.cascade ? 'true' : undefined } } }));
      if (!opts.cascade) {
        session.print({ removed: name, cascade: false }, () => `Application "${name}" removed; what it deployed stays.`);
        return;
      }
      if (opts.wait) await waitUntilGone(session, name, seconds(opts.timeout, '--timeout') * 1000, opts.timeout);
      session.print(res ?? { removed: name, cascade: true }, () =>
        opts.wait
          ? `Application "${name}" and everything it deployed are deleted.`
          : `Deleting what "${name}" deployed on ${res?.deletion?.remaining ?? '?'} target(s); the application goes once that is done.`,
      );
    });

  appSyncCommands(app);
  appRolloutCommand(app);
}

/** The newest successful run whose revision differs from what the targets run now. */
async function previousRun(session: Session, app: ApplicationView): Promise<number> {
  const current = new Set(app.status.targets.map((t) => t.revision?.sha).filter(Boolean));
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const runs = await session.call(session.api.GET('/api/v1/applications/{name}/history', { params: { path: { name: app.name }, query: { limit: 100, cursor } } }));
    const found = runs.items.find((r) => r.phase === 'Succeeded' && r.revision && !current.has(r.revision));
    if (found) return found.id;
    cursor = runs.nextCursor ?? undefined;
    if (!cursor) break;
  }
  throw new CliError(`no earlier successful run of ${app.name} with another revision`, `name a run: flotilla app history ${app.name}`);
}

async function waitUntilGone(session: Session, name: string, timeoutMs: number, timeoutText: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { response } = await session.api.GET('/api/v1/applications/{name}', { params: { path: { name } } });
    if (response.status === 404) return;
    if (Date.now() >= deadline) throw new CliError(`"${name}" is still being deleted after ${timeoutText}`, `see flotilla app get ${name}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function runsTable(session: Session, runs: SyncRunView[]): string {
  const p = session.paint;
  return table(
    ['id', 'target', 'revision', 'trigger', 'actor', 'phase', 'started', 'took', 'changes', 'message'],
    runs.map((r) => {
      const c = r.counts;
      const changes = c
        ? [c.created && `+${c.created}`, c.configured && `~${c.configured}`, c.pruned && `-${c.pruned}`, c.failed && p.red(`!${c.failed}`)].filter(Boolean).join(' ') || '='
        : '-';
      return [
        `#${r.id}`,
        `${r.cluster}/${r.namespace}`,
        r.revision?.slice(0, 7) ?? '-',
        r.trigger,
        r.actor,
        p.status(r.phase),
        ago(r.startedAt),
        duration(r.startedAt, r.finishedAt),
        changes,
        short(r.message, 60),
      ];
    }),
  );
}

function describeApplication(session: Session, a: ApplicationView, resources: boolean): string {
  const p = session.paint;
  const s = a.status.summary;
  const head = fields([
    ['Name', a.name],
    ['Repository', `${a.repository} ${a.path}${a.revision ? ` @ ${a.revision}` : ''}`],
    ['Labels', labelsText(a.labels)],
    ['Sync policy', syncPolicyText(p, a.syncPolicy)],
    ...(a.ignoreDifferences ? [['Drift rules', ignoreRulesText(a.ignoreDifferences)] as [string, string]] : []),
    ...(a.pinned ? [['Pinned', `${a.pinned.revision.slice(0, 12)} (rollback to run #${a.pinned.syncRunId})`] as [string, string]] : []),
    ...(a.deletion ? [['Deleting', `${a.deletion.remaining} target(s) left`] as [string, string]] : []),
    ['Sync window', syncWindowText(p, a.syncWindow)],
    ...(a.rollout || a.currentRollout ? [['Rollout', rolloutLine(p, a)] as [string, string]] : []),
    ['Targets', `${s.targets}: ${s.synced} synced, ${s.outOfSync} out of sync, ${s.healthy} healthy, ${s.degraded} degraded`],
  ]);
  if (!a.status.targets.length) return `${head}\nNo targets: no cluster matches the destinations.`;
  const waves = a.status.targets.some((t) => t.rollout);
  const targets = table(
    ['cluster', 'namespace', 'sync', 'health', 'revision', 'last run', ...(waves ? ['wave'] : []), 'message'],
    a.status.targets.map((t) => [
      t.cluster,
      t.namespace,
      p.status(t.sync),
      p.status(t.health),
      t.revision ? `${t.revision.shortSha} ${short(t.revision.subject, 30)}` : '-',
      t.lastSyncRun ? `#${t.lastSyncRun.id} ${p.status(t.lastSyncRun.phase)} ${ago(t.lastSyncRun.finishedAt ?? t.lastSyncRun.startedAt)}` : '-',
      ...(waves ? [t.rollout ? `${t.rollout.wave} ${p.status(t.rollout.state)}` : '-'] : []),
      short(t.message, 70),
    ]),
  );
  if (!resources) return `${head}\n${targets}`;
  const objects = table(
    ['target', 'kind', 'object', 'sync', 'health', 'message'],
    a.status.targets.flatMap((t) =>
      (t.resources ?? []).map((r) => [
        `${t.cluster}/${t.namespace}`,
        r.group ? `${r.kind}.${r.group}` : r.kind,
        r.namespace ? `${r.namespace}/${r.name}` : r.name,
        p.status(r.sync),
        p.status(r.health),
        short(r.message, 60),
      ]),
    ),
  );
  return `${head}\n${targets}\n${objects}`;
}

/** `automated, prune, self-heal, every 120s, report only (never writes), on drift: report` */
export function syncPolicyText(p: Paint, policy: SyncPolicyView): string {
  return [
    policy.automated !== false ? 'automated' : 'manual',
    policy.prune && 'prune',
    policy.selfHeal && 'self-heal',
    policy.intervalSeconds && `every ${policy.intervalSeconds}s`,
    policy.mode === 'reportOnly' ? p.yellow('report only (plans and diffs, never writes)') : policy.mode && `mode ${policy.mode}`,
    policy.onDrift && `on drift: ${policy.onDrift}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** `2: Deployment.apps web/api /spec/replicas; MutatingWebhookConfiguration.admissionregistration.k8s.io fields of cainjector` */
export function ignoreRulesText(rules: IgnoreDifferencesRule[], max = 3): string {
  if (!rules.length) return 'none';
  const one = (r: IgnoreDifferencesRule) => {
    const kind = r.group ? `${r.kind}.${r.group}` : r.kind;
    const where = r.name ? (r.namespace ? `${r.namespace}/${r.name}` : r.name) : r.namespace ? `${r.namespace}/*` : '';
    const what = [...(r.jsonPointers ?? []), ...(r.managedFieldsManagers?.length ? [`fields of ${r.managedFieldsManagers.join(',')}`] : [])].join(', ');
    return [kind, where, what].filter(Boolean).join(' ');
  };
  const listed = rules.slice(0, max).map(one).join('; ');
  return `${rules.length}: ${listed}${rules.length > max ? `; … ${rules.length - max} more (-o yaml lists them)` : ''}`;
}

/** "allowed", "allowed until …", or "waiting for a sync window until … (why)" */
export function syncWindowText(p: Paint, w: ApplicationView['syncWindow']): string {
  if (w.allowed) return p.green('allowed') + (w.until ? ` until ${moment(w.until)}` : '');
  const manual = w.manualAllowed ? '; manual sync allowed' : '; manual sync refused too';
  return `${p.yellow('waiting for a sync window')}${w.until ? ` until ${moment(w.until)}` : ''}${w.reason ? ` (${short(w.reason, 100)})` : ''}${manual}`;
}

/** the current rollout in one line: `#12 abc1234 Progressing, wave canary — message` */
function rolloutLine(p: Paint, a: ApplicationView): string {
  const r = a.currentRollout;
  if (!r) return `${a.rollout?.waves.length ?? 0} wave(s) defined; no rollout yet`;
  return `#${r.id} ${r.revision.slice(0, 7)} ${p.status(r.state)}${r.wave && r.state !== 'Completed' ? `, wave ${r.wave}` : ''}${r.message ? ` — ${short(r.message, 80)}` : ''} (flotilla app rollout ${a.name})`;
}
