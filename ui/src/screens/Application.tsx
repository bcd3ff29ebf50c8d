// One application: its source and the commit its targets run, destinations and the targets they
// expanded to, the summary, and the actions the token's role allows — Sync, Preview (what a sync
// would do, per target, before anything runs), Refresh (fetch the repository now); whether sync
// windows let syncs run now; with a rollout definition, the rollout through its waves.
import { useCallback, useState } from 'react';
import { api, type Application as App, type Diff, must, type Schemas, type Target } from '../api/client';
import type { LiveEvent } from '../api/events';
import { ApplicationRunsChart } from '../components/charts/ApplicationRunsChart';
import { Plan } from '../components/Plan';
import { ErrorBox, HealthBadge, Labels, LiveBadge, Loading, PhaseBadge, SyncBadge } from '../components/Status';
import { SyncWindowText } from '../components/SyncWindow';
import { ActionCell, Table } from '../components/Table';
import { ago, selectorText, short } from '../format';
import { useAction, useDebounced, useEvents, useLoad } from '../hooks';
import { enc, Link, targetPath } from '../router';
import { useSession } from '../session';
import { History } from './History';
import { RolloutPanel } from './Rollout';

/** A drift rule of an application (ignoreDifferences). */
type IgnoreRule = Schemas['IgnoreDifferenceDto'];

/** a drift rule in one line: `Deployment.apps web/api: /spec/replicas` */
function ruleText(r: IgnoreRule): string {
  const where = r.name ? (r.namespace ? `${r.namespace}/${r.name}` : r.name) : r.namespace ? `${r.namespace}/*` : '';
  const what = [...(r.jsonPointers ?? []), ...(r.managedFieldsManagers?.length ? [`fields of ${r.managedFieldsManagers.join(', ')}`] : [])].join(', ');
  return `${r.group ? `${r.kind}.${r.group}` : r.kind}${where ? ` ${where}` : ''}${what ? `: ${what}` : ''}`;
}

/** the commit most targets run: the application's "current" revision */
function currentCommit(targets: Target[]) {
  const bySha = new Map<string, { commit: NonNullable<Target['revision']>; n: number }>();
  for (const t of targets) {
    if (!t.revision) continue;
    const e = bySha.get(t.revision.sha);
    if (e) e.n++;
    else bySha.set(t.revision.sha, { commit: t.revision, n: 1 });
  }
  return [...bySha.values()].sort((a, b) => b.n - a.n)[0]?.commit ?? null;
}

export function ApplicationScreen({ name, tab }: { name: string; tab: 'overview' | 'history' }) {
  const session = useSession();
  const app = useLoad(() => must(api.GET('/api/v1/applications/{name}', { params: { path: { name } } })), [name]);
  const [historyVersion, setHistoryVersion] = useState(0);
  const [rolloutVersion, setRolloutVersion] = useState(0);
  const [plan, setPlan] = useState<{ diff: Diff; title: string } | null>(null);

  const reload = useDebounced(app.reload, 250);
  const bumpHistory = useDebounced(() => setHistoryVersion((v) => v + 1), 250);
  const bumpRollout = useDebounced(() => setRolloutVersion((v) => v + 1), 250);
  const onEvents = useCallback(
    (events: LiveEvent[]) => {
      // target changes show at once; a reload then brings commit subjects and resources
      app.set((prev) => {
        if (!prev) return prev;
        let targets = prev.status.targets;
        for (const e of events) {
          if (e.type !== 'target') continue;
          targets = targets.map((t) =>
            t.cluster === e.cluster && t.namespace === e.namespace
              ? {
                  ...t,
                  ...(e.sync ? { sync: e.sync as Target['sync'] } : {}),
                  ...(e.health ? { health: e.health as Target['health'] } : {}),
                  ...(e.message !== undefined ? { message: e.message } : {}),
                }
              : t,
          );
        }
        return targets === prev.status.targets ? prev : { ...prev, status: { ...prev.status, targets } };
      });
      reload();
      if (events.some((e) => e.type === 'run')) bumpHistory();
      if (events.some((e) => e.type === 'rollout' || e.type === 'target')) bumpRollout();
    },
    [app, reload, bumpHistory, bumpRollout],
  );
  const onReconnect = useCallback(() => {
    reload();
    bumpRollout();
  }, [reload, bumpRollout]);
  const live = useEvents(['target', 'run', 'application', 'rollout'], name, onEvents, onReconnect);

  // without dryRun the answer is 202 { queued }
  const sync = useAction(
    async (targets?: { cluster: string; namespace: string }[]) =>
      (await must(api.POST('/api/v1/applications/{name}/sync', { params: { path: { name } }, body: targets ? { targets } : {} }))) as Schemas['SyncAcceptedView'],
  );
  const preview = useAction(async () => {
    setPlan(null);
    const diff = session.may('operator')
      ? ((await must(api.POST('/api/v1/applications/{name}/sync', { params: { path: { name } }, body: { dryRun: true } }))) as Diff)
      : await must(api.GET('/api/v1/applications/{name}/diff', { params: { path: { name } } }));
    setPlan({ diff, title: 'Preview: what a sync would do' });
    return diff;
  });
  const refresh = useAction(async (repository: string) => must(api.POST('/api/v1/repositories/{name}/refresh', { params: { path: { name: repository } } })));
  const unpin = useAction(async () => {
    const next = await must(api.PATCH('/api/v1/applications/{name}', { params: { path: { name } }, body: { revision: null } }));
    app.set(() => next);
    return next;
  });

  if (app.error && !app.data) return <ErrorBox error={app.error} />;
  if (!app.data) return <Loading what={`application ${name}`} />;
  const a: App = app.data;
  const commit = currentCommit(a.status.targets);
  const s = a.status.summary;

  return (
    <section aria-labelledby="app-title">
      <nav className="crumbs" aria-label="breadcrumb">
        <Link to="/">Fleet</Link> / <span>{a.name}</span>
      </nav>
      <div className="toolbar">
        <h1 id="app-title">{a.name}</h1>
        <Labels labels={a.labels} />
        <LiveBadge live={live} />
        <span className="spacer" />
        {session.may('operator') ? (
          <>
            <button type="button" className="primary" onClick={() => void sync.run()} disabled={sync.busy}>
              Sync
            </button>
            <button type="button" onClick={() => void preview.run()} disabled={preview.busy}>
              Preview
            </button>
            <button type="button" onClick={() => void refresh.run(a.repository)} disabled={refresh.busy} title={`fetch ${a.repository} now`}>
              Refresh
            </button>
          </>
        ) : (
          <button type="button" onClick={() => void preview.run()} disabled={preview.busy} title="what a sync would change (GET /diff)">
            Preview
          </button>
        )}
      </div>
      <div role="status" aria-live="polite" className="notices">
        {sync.result ? (
          <p className="ok">
            Sync queued for {sync.result.queued.length} target{sync.result.queued.length === 1 ? '' : 's'}.
          </p>
        ) : null}
        {refresh.result ? (
          <p className="ok">
            Fetched {a.repository}: {short(refresh.result.revision)} {refresh.result.moved ? '(a new commit: its targets are checked now)' : '(no new commit)'}.
          </p>
        ) : null}
        {preview.busy ? <p className="muted">Planning…</p> : null}
      </div>
      <ErrorBox error={sync.error ?? preview.error ?? refresh.error ?? unpin.error ?? app.error} />

      <nav className="tabs" aria-label="application views">
        <Link to={`/applications/${enc(a.name)}`} aria-current={tab === 'overview' ? 'page' : undefined}>
          Overview
        </Link>
        <Link to={`/applications/${enc(a.name)}/history`} aria-current={tab === 'history' ? 'page' : undefined}>
          History
        </Link>
      </nav>

      {plan ? (
        <div className="panel">
          <button type="button" className="close" onClick={() => setPlan(null)} aria-label="close the preview">
            ×
          </button>
          <Plan diff={plan.diff} title={plan.title} />
        </div>
      ) : null}

      {tab === 'history' ? (
        <History application={a.name} version={historyVersion} canRollback={session.may('operator')} onRolledBack={app.reload} />
      ) : (
        <>
          <div className="cards">
            <section className="card" aria-labelledby="src-h">
              <h2 id="src-h">Source</h2>
              <dl>
                <dt>Repository</dt>
                <dd>
                  <Link to={`/repositories?name=${enc(a.repository)}`}>{a.repository}</Link>
                </dd>
                <dt>Path</dt>
                <dd>
                  <code>{a.path}</code>
                </dd>
                <dt>Revision</dt>
                <dd>{a.revision ?? <span className="muted">the repository's branch</span>}</dd>
                <dt>Commit</dt>
                <dd data-testid="commit">
                  {commit ? (
                    <>
                      <code>{commit.shortSha}</code> {commit.subject} <span className="muted">— {commit.author}</span>
                    </>
                  ) : (
                    <span className="muted">none applied yet</span>
                  )}
                </dd>
                {a.pinned ? (
                  <>
                    <dt>Pinned</dt>
                    <dd data-testid="pinned">
                      to <code>{short(a.pinned.revision)}</code> by a rollback{a.pinned.syncRunId ? ` to run #${a.pinned.syncRunId}` : ''} {ago(a.pinned.at)}
                      {session.may('admin') ? (
                        <>
                          {' '}
                          <button type="button" className="small" onClick={() => void unpin.run()} disabled={unpin.busy}>
                            Unpin
                          </button>
                        </>
                      ) : null}
                    </dd>
                  </>
                ) : null}
                <dt>Sync policy</dt>
                <dd data-testid="sync-policy">
                  {a.syncPolicy.automated ? 'automated' : 'manual'}
                  {a.syncPolicy.prune ? ', prune' : ''}
                  {a.syncPolicy.selfHeal ? ', self-heal' : ''}
                  {a.syncPolicy.intervalSeconds ? `, every ${a.syncPolicy.intervalSeconds}s` : ''}
                  {a.syncPolicy.onDrift ? `, on drift: ${a.syncPolicy.onDrift}` : ''}
                  {a.syncPolicy.mode === 'reportOnly' ? (
                    <>
                      {' '}
                      <span className="badge" title="mode reportOnly: plans and diffs, never writes to the cluster">
                        report only
                      </span>
                    </>
                  ) : a.syncPolicy.mode ? (
                    `, mode ${a.syncPolicy.mode}`
                  ) : (
                    ''
                  )}
                </dd>
                {a.ignoreDifferences?.length ? (
                  <>
                    <dt>Drift rules</dt>
                    <dd data-testid="drift-rules" title={`ignoreDifferences — fields left alone:\n${a.ignoreDifferences.map(ruleText).join('\n')}`}>
                      {a.ignoreDifferences.length} rule{a.ignoreDifferences.length === 1 ? '' : 's'}:{' '}
                      <span className="muted">
                        {a.ignoreDifferences.slice(0, 3).map(ruleText).join('; ')}
                        {a.ignoreDifferences.length > 3 ? '; …' : ''}
                      </span>
                    </dd>
                  </>
                ) : null}
                <dt>Sync window</dt>
                <dd data-testid="sync-window">
                  <SyncWindowText w={a.syncWindow} />
                </dd>
              </dl>
            </section>
            <section className="card" aria-labelledby="dest-h">
              <h2 id="dest-h">Destinations</h2>
              <ul className="plain">
                {a.destinations.map((d, i) => (
                  <li key={i}>
                    {d.cluster ? (
                      <>
                        cluster <strong>{d.cluster}</strong>
                      </>
                    ) : (
                      <>
                        clusters matching <code>{selectorText(d.clusterSelector)}</code>
                      </>
                    )}{' '}
                    → namespace <code>{d.namespace}</code>
                  </li>
                ))}
              </ul>
            </section>
            <section className="card" aria-labelledby="sum-h">
              <h2 id="sum-h">Summary</h2>
              <p className="big" data-testid="app-summary">
                {s.synced}/{s.targets} synced · {s.healthy}/{s.targets} healthy
              </p>
              <p className="muted">
                {s.outOfSync} out of sync · {s.unknown} unknown · {s.progressing} progressing · {s.degraded} degraded · {s.missing} missing
              </p>
            </section>
          </div>

          {a.rollout ? <RolloutPanel application={a.name} version={rolloutVersion} canAct={session.may('operator')} onChanged={reload} /> : null}

          <section aria-labelledby="targets-h">
            <h2 id="targets-h">Targets</h2>
            <Table testId="targets" columns={['Cluster / namespace', 'Sync', 'Health', 'Revision', 'Last run', 'Message', session.may('operator') && 'Action']}>
              {a.status.targets.map((t) => (
                <tr key={`${t.cluster}/${t.namespace}`} data-target={`${t.cluster}/${t.namespace}`}>
                  <td>
                    <Link to={targetPath(a.name, t.cluster, t.namespace)}>
                      {t.cluster}/{t.namespace}
                    </Link>
                    {t.leaving ? <span className="muted"> (leaving)</span> : null}
                  </td>
                  <td>
                    <SyncBadge status={t.sync} />
                  </td>
                  <td>
                    <HealthBadge status={t.health} />
                  </td>
                  <td>
                    {t.revision ? <code title={`${t.revision.subject} — ${t.revision.author}`}>{t.revision.shortSha}</code> : <span className="muted">—</span>}
                    {t.desiredRevision && t.desiredRevision !== t.revision?.sha ? <span className="muted"> → {short(t.desiredRevision)}</span> : null}
                    {t.rollout?.state === 'Waiting' ? (
                      <span className="muted" data-testid="waiting-wave">
                        {t.revision ? ' · ' : ' '}
                        waiting for wave {t.rollout.wave}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    {t.lastSyncRun ? (
                      <>
                        <PhaseBadge phase={t.lastSyncRun.phase} /> <span className="muted">{ago(t.lastSyncRun.finishedAt ?? t.lastSyncRun.startedAt)}</span>
                      </>
                    ) : (
                      <span className="muted">never</span>
                    )}
                  </td>
                  <td className="message">{t.message ?? ''}</td>
                  <ActionCell
                    allowed={session.may('operator')}
                    onClick={() => void sync.run([{ cluster: t.cluster, namespace: t.namespace }])}
                    busy={sync.busy}
                    label={`sync ${t.cluster}/${t.namespace}`}
                  >
                    Sync
                  </ActionCell>
                </tr>
              ))}
            </Table>
            {a.status.targets.length === 0 ? <p className="muted">No cluster matches the destinations: the fan-out is empty.</p> : null}
          </section>

          <ApplicationRunsChart application={a.name} targets={a.status.targets} version={historyVersion} />
        </>
      )}
    </section>
  );
}
