// Channels (Slack, webhooks) and, for the one selected, its deliveries, newest first; failed or
// delivered ones can be sent again (admin). Delivery events reload the list shown.
import { useCallback } from 'react';
import { api, type Channel, must } from '../api/client';
import type { LiveEvent } from '../api/events';
import { DeliveriesChart } from '../components/charts/DeliveriesChart';
import { ErrorBox, Loading } from '../components/Status';
import { ActionCell, LoadMore, Table } from '../components/Table';
import { ago, when } from '../format';
import { useAction, useCursorList, useDebounced, useEvents, useLoad } from '../hooks';
import { enc, Link } from '../router';
import { useSession } from '../session';

function destination(c: Channel): string {
  if (c.type === 'slack') return c.slack ? `Slack ${c.slack.channel}` : 'Slack';
  return c.webhook ? c.webhook.url : 'webhook';
}

export function Channels({ selected }: { selected: string | null }) {
  const session = useSession();
  const list = useLoad(() => must(api.GET('/api/v1/channels')), []);
  const test = useAction(async (name: string) => ({ name, ...(await must(api.POST('/api/v1/channels/{name}/test', { params: { path: { name } } }))) }));
  const current = selected ?? list.data?.[0]?.name ?? null;

  return (
    <section aria-labelledby="channels-h">
      <div className="toolbar">
        <h1 id="channels-h">Channels</h1>
      </div>
      <ErrorBox error={list.error ?? test.error} />
      {test.result ? (
        <p className={test.result.ok ? 'ok' : 'error'} role="status">
          Test message to {test.result.name}: {test.result.message}
        </p>
      ) : null}
      {!list.data ? (
        list.error ? null : (
          <Loading what="channels" />
        )
      ) : list.data.length === 0 ? (
        <p className="muted">No channel yet (POST /api/v1/channels).</p>
      ) : (
        <Table testId="channels" columns={['Name', 'Type', 'Destination', 'Paused until', session.may('operator') && 'Action']}>
          {list.data.map((c) => (
            <tr key={c.name} className={c.name === current ? 'highlight' : undefined}>
              <td>
                <Link to={`/channels/${enc(c.name)}`} aria-current={c.name === current ? 'true' : undefined}>
                  {c.name}
                </Link>
              </td>
              <td>{c.type}</td>
              <td>
                <code>{destination(c)}</code>
              </td>
              <td>{c.pausedUntil ? when(c.pausedUntil) : '—'}</td>
              <ActionCell allowed={session.may('operator')} onClick={() => void test.run(c.name)} busy={test.busy}>
                Send test
              </ActionCell>
            </tr>
          ))}
        </Table>
      )}
      {current ? <Deliveries channel={current} canRedeliver={session.may('admin')} /> : null}
    </section>
  );
}

function Deliveries({ channel, canRedeliver }: { channel: string; canRedeliver: boolean }) {
  const deliveries = useCursorList(
    (cursor) => must(api.GET('/api/v1/channels/{name}/deliveries', { params: { path: { name: channel }, query: { limit: 50, cursor } } })),
    [channel],
  );
  const { items, error } = deliveries;

  const reload = useDebounced(deliveries.reload, 300);
  const onEvents = useCallback((events: LiveEvent[]) => events.some((e) => e.type === 'delivery' && e.channel === channel) && reload(), [channel, reload]);
  useEvents(['delivery'], undefined, onEvents, reload);

  const redeliver = useAction(async (id: string) => {
    await must(api.POST('/api/v1/channels/{name}/deliveries/{id}/redeliver', { params: { path: { name: channel, id } } }));
    reload();
    return id;
  });

  return (
    <section aria-labelledby="deliveries-h">
      <h2 id="deliveries-h">Deliveries of {channel}</h2>
      <DeliveriesChart channel={channel} version={items} />
      <ErrorBox error={error ?? redeliver.error} />
      {redeliver.result ? (
        <p className="ok" role="status">
          Delivery {redeliver.result} queued again.
        </p>
      ) : null}
      {!items ? (
        error ? null : (
          <Loading what="deliveries" />
        )
      ) : items.length === 0 ? (
        <p className="muted">Nothing delivered through this channel yet.</p>
      ) : (
        <Table testId="deliveries" columns={['Event', 'Application', 'Subject', 'State', 'Attempts', 'Last answer', 'Created', 'Delivered', canRedeliver && 'Action']}>
          {items.map((d) => (
            <tr key={d.id} data-delivery={d.id}>
              <td>
                {d.event} <span className="muted">({d.kind})</span>
              </td>
              <td>{d.application ?? '—'}</td>
              <td>{d.subject ?? '—'}</td>
              <td>
                <span className={`badge delivery-${d.state}`}>{d.state}</span>
                {d.state === 'pending' && d.nextAttemptAt ? <span className="muted"> next {ago(d.nextAttemptAt)}</span> : null}
              </td>
              <td>{d.attempts}</td>
              <td className="message">{d.lastError ?? (d.lastStatus !== null ? `answered ${d.lastStatus}` : '')}</td>
              <td title={when(d.createdAt)}>{ago(d.createdAt)}</td>
              <td>{d.deliveredAt ? ago(d.deliveredAt) : '—'}</td>
              <ActionCell
                allowed={canRedeliver}
                offered={d.state !== 'pending'}
                onClick={() => void redeliver.run(d.id)}
                busy={redeliver.busy}
                label={`redeliver ${d.event} ${d.id}`}
              >
                Redeliver
              </ActionCell>
            </tr>
          ))}
        </Table>
      )}
      <LoadMore list={deliveries} />
    </section>
  );
}
