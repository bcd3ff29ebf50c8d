// Channels (Slack, webhooks) and, for the one selected, its deliveries, newest first; failed or
// delivered ones can be sent again (admin). Delivery events reload the list shown.
import { useCallback, useEffect, useState } from 'react';
import { api, type Channel, type Delivery, must } from '../api/client';
import type { LiveEvent } from '../api/events';
import { ErrorBox, Loading } from '../components/Status';
import { ago, when } from '../format';
import { useAction, useDebounced, useEvents, useLoad } from '../hooks';
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
        list.error ? null : <Loading what="channels" />
      ) : list.data.length === 0 ? (
        <p className="muted">No channel yet (POST /api/v1/channels).</p>
      ) : (
        <table className="grid" data-testid="channels">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Destination</th>
              <th scope="col">Paused until</th>
              {session.may('operator') ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
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
                {session.may('operator') ? (
                  <td>
                    <button type="button" className="small" onClick={() => void test.run(c.name)} disabled={test.busy}>
                      Send test
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {current ? <Deliveries channel={current} canRedeliver={session.may('admin')} /> : null}
    </section>
  );
}

function Deliveries({ channel, canRedeliver }: { channel: string; canRedeliver: boolean }) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let stale = false;
    must(api.GET('/api/v1/channels/{name}/deliveries', { params: { path: { name: channel }, query: { limit: 50 } } })).then(
      (page) => {
        if (stale) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(null);
      },
      (e: Error) => !stale && setError(e.message),
    );
    return () => {
      stale = true;
    };
  }, [channel, version]);

  const reload = useDebounced(() => setVersion((v) => v + 1), 300);
  const onEvents = useCallback((events: LiveEvent[]) => events.some((e) => e.type === 'delivery' && e.channel === channel) && reload(), [channel, reload]);
  useEvents(['delivery'], undefined, onEvents, reload);

  const more = async () => {
    if (!cursor) return;
    try {
      const page = await must(api.GET('/api/v1/channels/{name}/deliveries', { params: { path: { name: channel }, query: { limit: 50, cursor } } }));
      setItems((prev) => [...(prev ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const redeliver = useAction(async (id: string) => {
    await must(api.POST('/api/v1/channels/{name}/deliveries/{id}/redeliver', { params: { path: { name: channel, id } } }));
    reload();
    return id;
  });

  return (
    <section aria-labelledby="deliveries-h">
      <h2 id="deliveries-h">Deliveries of {channel}</h2>
      <ErrorBox error={error ?? redeliver.error} />
      {redeliver.result ? (
        <p className="ok" role="status">
          Delivery {redeliver.result} queued again.
        </p>
      ) : null}
      {!items ? (
        error ? null : <Loading what="deliveries" />
      ) : items.length === 0 ? (
        <p className="muted">Nothing delivered through this channel yet.</p>
      ) : (
        <table className="grid" data-testid="deliveries">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Application</th>
              <th scope="col">Subject</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Created</th>
              <th scope="col">Delivered</th>
              {canRedeliver ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
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
                {canRedeliver ? (
                  <td>
                    {d.state !== 'pending' ? (
                      <button type="button" className="small" onClick={() => void redeliver.run(d.id)} disabled={redeliver.busy} aria-label={`redeliver ${d.event} ${d.id}`}>
                        Redeliver
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor ? (
        <button type="button" onClick={() => void more()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
