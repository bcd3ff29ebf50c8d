import { useCallback } from 'react';
import { api, type Cluster, must } from '../api/client';
import type { LiveEvent } from '../api/events';
import { ErrorBox, Labels, LiveBadge, Loading, PhaseBadge } from '../components/Status';
import { ActionCell, Table } from '../components/Table';
import { ago, when } from '../format';
import { useAction, useDebounced, useEvents, useLoad } from '../hooks';
import { useSession } from '../session';

export function Clusters({ highlight }: { highlight: string | null }) {
  const session = useSession();
  const list = useLoad(() => must(api.GET('/api/v1/clusters')), []);
  const reload = useDebounced(list.reload, 300);
  const onEvents = useCallback(
    (events: LiveEvent[]) => {
      for (const e of events) {
        if (e.type !== 'cluster') continue;
        // a phase is patched in place; a registration, relabel or removal reloads the list
        if (e.change) reload();
        else if (e.phase)
          list.set((prev) =>
            prev?.map((c) => (c.name === e.cluster ? { ...c, status: { ...c.status, phase: e.phase as Cluster['status']['phase'], lastCheckedAt: new Date().toISOString() } } : c)),
          );
      }
    },
    [list, reload],
  );
  const live = useEvents(['cluster'], undefined, onEvents, reload);
  const check = useAction(async (name: string) => {
    const c = await must(api.POST('/api/v1/clusters/{name}/check', { params: { path: { name } } }));
    list.set((prev) => prev?.map((x) => (x.name === name ? c : x)));
    return c;
  });

  return (
    <section aria-labelledby="clusters-h">
      <div className="toolbar">
        <h1 id="clusters-h">Clusters</h1>
        <LiveBadge live={live} />
      </div>
      <ErrorBox error={list.error ?? check.error} />
      {!list.data ? (
        list.error ? null : (
          <Loading what="clusters" />
        )
      ) : (
        <Table testId="clusters" columns={['Name', 'Phase', 'Version', 'Labels', 'Server', 'Last check', 'Message', session.may('operator') && 'Action']}>
          {list.data.map((c) => (
            <tr key={c.name} data-cluster={c.name} className={highlight === c.name ? 'highlight' : undefined}>
              <td>
                <strong>{c.name}</strong>
              </td>
              <td>
                <PhaseBadge phase={c.status.phase} />
              </td>
              <td>{c.status.kubernetesVersion ?? '—'}</td>
              <td>
                <Labels labels={c.labels} />
              </td>
              <td>
                <code>{c.server}</code>
              </td>
              <td title={when(c.status.lastCheckedAt)}>{ago(c.status.lastCheckedAt)}</td>
              <td className="message">{c.status.message ?? ''}</td>
              <ActionCell allowed={session.may('operator')} onClick={() => void check.run(c.name)} busy={check.busy} label={`check ${c.name} now`}>
                Check
              </ActionCell>
            </tr>
          ))}
        </Table>
      )}
      {list.data?.length === 0 ? <p className="muted">No cluster is registered (POST /api/v1/clusters, or the CLI).</p> : null}
    </section>
  );
}
