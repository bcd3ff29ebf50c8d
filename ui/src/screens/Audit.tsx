// The audit log, newest first, filtered on the server (actor, action, subject, time range), and
// the chain's verification — optionally against an anchor (an earlier /audit/head) kept elsewhere.
import { type FormEvent, useState } from 'react';
import { api, must, type Schemas } from '../api/client';
import { ErrorBox, Loading } from '../components/Status';
import { LoadMore, Table } from '../components/Table';
import { when } from '../format';
import { useAction, useCursorList } from '../hooks';

interface Filters {
  actor: string;
  action: string;
  subject: string;
  since: string;
  until: string;
}

const EMPTY: Filters = { actor: '', action: '', subject: '', since: '', until: '' };

function queryOf(f: Filters) {
  const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);
  const q: Record<string, string> = {};
  if (f.actor.trim()) q.actor = f.actor.trim();
  if (f.action.trim()) q.action = f.action.trim();
  if (f.subject.trim()) q.subject = f.subject.trim();
  const since = iso(f.since);
  const until = iso(f.until);
  if (since) q.since = since;
  if (until) q.until = until;
  return q;
}

export function Audit() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const log = useCursorList((cursor) => must(api.GET('/api/v1/audit', { params: { query: { ...queryOf(filters), limit: 100, cursor } } })), [filters]);
  const { error } = log;
  // a first page that failed shows as an empty log under the error
  const items = log.items ?? (error ? [] : null);
  const [open, setOpen] = useState<number | null>(null);
  const [anchor, setAnchor] = useState('');

  const verify = useAction(async (): Promise<Schemas['AuditVerificationView']> =>
    must(api.GET('/api/v1/audit/verify', { params: { query: anchor.trim() ? { anchor: anchor.trim() } : {} } })),
  );
  const head = useAction(async () => must(api.GET('/api/v1/audit/head')));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const field = (k: keyof Filters, label: string, type = 'text', placeholder = '') => (
    <label>
      {label}
      <input type={type} value={draft[k]} placeholder={placeholder} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
    </label>
  );

  return (
    <section aria-labelledby="audit-h">
      <div className="toolbar">
        <h1 id="audit-h">Audit</h1>
      </div>
      <section className="card" aria-labelledby="verify-h">
        <h2 id="verify-h">Chain verification</h2>
        <div className="inline-form">
          <label>
            Anchor (optional)
            <input value={anchor} onChange={(e) => setAnchor(e.target.value)} placeholder="seq:hash from an earlier head" aria-label="anchor" />
          </label>
          <button type="button" onClick={() => void verify.run()} disabled={verify.busy}>
            Verify
          </button>
          <button type="button" onClick={() => void head.run()} disabled={head.busy}>
            Show head
          </button>
        </div>
        <ErrorBox error={verify.error ?? head.error} />
        {verify.result ? (
          <p className={verify.result.ok ? 'ok' : 'error'} role="status" data-testid="verify-result">
            {verify.result.ok
              ? `The chain verifies: ${verify.result.entries} entries`
              : `The chain does NOT verify: first bad entry ${verify.result.firstBadSeq ?? '?'} after ${verify.result.entries} good ones`}
            {verify.result.reason ? ` — ${verify.result.reason}` : ''}
            {verify.result.checkpointSeq !== undefined ? ` (checked against the checkpoint at entry ${verify.result.checkpointSeq})` : ''}
          </p>
        ) : null}
        {head.result ? (
          <p>
            Head: <code data-testid="audit-head">{`${head.result.seq}:${head.result.hash}`}</code>{' '}
            <span className="muted">— keep it outside Flotilla and verify against it later</span>
          </p>
        ) : null}
      </section>
      <form className="filters" onSubmit={submit} aria-label="audit filters">
        {field('actor', 'Actor', 'text', 'token name, flotilla…')}
        {field('action', 'Action', 'text', 'syncrun.finished')}
        {field('subject', 'Subject', 'text', 'app/cluster/namespace')}
        {field('since', 'Since', 'datetime-local')}
        {field('until', 'Until', 'datetime-local')}
        <button type="submit">Filter</button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          Clear
        </button>
      </form>
      <ErrorBox error={error} />
      {!items ? (
        <Loading what="the audit log" />
      ) : items.length === 0 ? (
        <p className="muted">No entry matches.</p>
      ) : (
        <Table testId="audit" columns={['#', 'At', 'Actor', 'Action', 'Subject', 'Outcome', 'Details']}>
          {items.map((e) => (
            <tr key={e.seq} data-seq={e.seq}>
              <td>{e.seq}</td>
              <td>{when(e.at)}</td>
              <td>
                {e.actor}
                {e.role ? <span className="muted"> ({e.role})</span> : null}
              </td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>{e.subject ?? '—'}</td>
              <td>
                <span className={`badge outcome-${e.outcome}`}>{e.outcome}</span>
              </td>
              <td>
                <button type="button" className="small" onClick={() => setOpen(open === e.seq ? null : e.seq)} aria-expanded={open === e.seq}>
                  {open === e.seq ? 'Hide' : 'Show'}
                </button>
                {open === e.seq ? (
                  <pre className="details">{JSON.stringify({ ...e.details, sourceAddress: e.sourceAddress, requestId: e.requestId, hash: e.hash }, null, 2)}</pre>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <LoadMore list={log} />
    </section>
  );
}
