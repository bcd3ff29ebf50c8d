// Sync runs, newest first, paged by cursor; an operator can roll the application back to the
// revision of any run that had one (confirmed in place).
import { useState } from 'react';
import { api, must, type SyncRun } from '../api/client';
import { ErrorBox, Loading, PhaseBadge } from '../components/Status';
import { LoadMore, Table } from '../components/Table';
import { ago, short, when } from '../format';
import { useAction, useCursorList } from '../hooks';

export function History({ application, version, canRollback, onRolledBack }: { application: string; version: number; canRollback: boolean; onRolledBack: () => void }) {
  const history = useCursorList(
    (cursor) => must(api.GET('/api/v1/applications/{name}/history', { params: { path: { name: application }, query: { limit: 50, cursor } } })),
    [application],
    version,
  );
  const { items: runs, error } = history;
  const [confirm, setConfirm] = useState<number | null>(null);

  const rollback = useAction(async (run: SyncRun) => {
    const r = await must(api.POST('/api/v1/applications/{name}/rollback', { params: { path: { name: application } }, body: { syncRunId: run.id } }));
    setConfirm(null);
    onRolledBack();
    return r;
  });

  if (!runs) return error ? <ErrorBox error={error} /> : <Loading what="history" />;
  return (
    <section aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      <ErrorBox error={error ?? rollback.error} />
      {rollback.result ? (
        <p className="ok" role="status">
          Rolling back to {short(rollback.result.revision)}: {rollback.result.queued.length} target{rollback.result.queued.length === 1 ? '' : 's'} queued. The application stays
          pinned to it until a revision is set again.
        </p>
      ) : null}
      {runs.length === 0 ? <p className="muted">No sync run yet.</p> : null}
      <Table testId="history" columns={['Run', 'Target', 'Revision', 'Trigger', 'Phase', 'Started', 'Changes', 'Message', canRollback && 'Rollback']}>
        {runs.map((r) => (
          <tr key={r.id} data-run={r.id} data-revision={r.revision ?? ''}>
            <td>#{r.id}</td>
            <td>
              {r.cluster}/{r.namespace}
            </td>
            <td>
              <code>{short(r.revision)}</code>
            </td>
            <td>
              {r.trigger} <span className="muted">by {r.actor}</span>
            </td>
            <td>
              <PhaseBadge phase={r.phase} />
            </td>
            <td title={when(r.startedAt)}>{ago(r.startedAt)}</td>
            <td>
              {r.counts
                ? Object.entries(r.counts)
                    .filter(([, n]) => n)
                    .map(([k, n]) => `${n} ${k}`)
                    .join(', ') || 'none'
                : '—'}
            </td>
            <td className="message">{r.message ?? ''}</td>
            {canRollback ? (
              <td>
                {!r.revision ? null : confirm === r.id ? (
                  <span className="confirm">
                    Roll back every target to <code>{short(r.revision)}</code>?{' '}
                    <button type="button" className="danger small" onClick={() => void rollback.run(r)} disabled={rollback.busy}>
                      Confirm rollback
                    </button>{' '}
                    <button type="button" className="small" onClick={() => setConfirm(null)}>
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button type="button" className="small" onClick={() => setConfirm(r.id)} aria-label={`Rollback to run ${r.id} (${short(r.revision)})`}>
                    Rollback
                  </button>
                )}
              </td>
            ) : null}
          </tr>
        ))}
      </Table>
      <LoadMore list={history} />
    </section>
  );
}
