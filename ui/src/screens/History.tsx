// Sync runs, newest first, paged by cursor; an operator can roll the application back to the
// revision of any run that had one (confirmed in place).
import { useEffect, useState } from 'react';
import { api, must, type SyncRun } from '../api/client';
import { ErrorBox, Loading, PhaseBadge } from '../components/Status';
import { ago, short, when } from '../format';
import { useAction } from '../hooks';

export function History({ application, version, canRollback, onRolledBack }: { application: string; version: number; canRollback: boolean; onRolledBack: () => void }) {
  const [runs, setRuns] = useState<SyncRun[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<number | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    let stale = false;
    must(api.GET('/api/v1/applications/{name}/history', { params: { path: { name: application }, query: { limit: 50 } } })).then(
      (page) => {
        if (stale) return;
        setRuns(page.items);
        setCursor(page.nextCursor);
        setError(null);
      },
      (e: Error) => !stale && setError(e.message),
    );
    return () => {
      stale = true;
    };
  }, [application, version]);

  const more = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await must(api.GET('/api/v1/applications/{name}/history', { params: { path: { name: application }, query: { limit: 50, cursor } } }));
      setRuns((prev) => [...(prev ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoadingMore(false);
    }
  };

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
          Rolling back to {short(rollback.result.revision)}: {rollback.result.queued.length} target{rollback.result.queued.length === 1 ? '' : 's'} queued. The application stays pinned to it until a revision is set again.
        </p>
      ) : null}
      {runs.length === 0 ? <p className="muted">No sync run yet.</p> : null}
      <table className="grid" data-testid="history">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Target</th>
            <th scope="col">Revision</th>
            <th scope="col">Trigger</th>
            <th scope="col">Phase</th>
            <th scope="col">Started</th>
            <th scope="col">Changes</th>
            <th scope="col">Message</th>
            {canRollback ? <th scope="col">Rollback</th> : null}
          </tr>
        </thead>
        <tbody>
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
                    <button type="button" className="small" onClick={() => setConfirm(r.id)} aria-label={`roll back to run ${r.id} (${short(r.revision)})`}>
                      Rollback
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {cursor ? (
        <button type="button" onClick={() => void more()} disabled={loadingMore}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
