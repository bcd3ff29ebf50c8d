import { useRef, useState } from 'react';
import { api, must } from '../api/client';
import { ErrorBox, Loading } from '../components/Status';
import { ActionCell, Table } from '../components/Table';
import { ago, short, when } from '../format';
import { useAction, useLoad } from '../hooks';
import { useSession } from '../session';

const webhookUrl = () => `${window.location.origin}/api/v1/webhooks/git`;

/** Copies `text`; where the clipboard API is unavailable (plain HTTP off localhost) selects it instead. */
function CopyField({ text, label }: { text: string; label: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('copied');
    } catch {
      input.current?.select();
      setCopied('selected: press Ctrl+C');
    }
  };
  return (
    <span className="copy">
      <input ref={input} readOnly value={text} aria-label={label} onFocus={(e) => e.target.select()} data-testid="webhook-url" />
      <button type="button" className="small" onClick={() => void copy()}>
        Copy
      </button>
      <span role="status" className="muted">
        {copied ?? ''}
      </span>
    </span>
  );
}

export function Repositories({ highlight }: { highlight: string | null }) {
  const session = useSession();
  const list = useLoad(() => must(api.GET('/api/v1/repositories')), []);
  const refresh = useAction(async (name: string) => {
    const r = await must(api.POST('/api/v1/repositories/{name}/refresh', { params: { path: { name } } }));
    list.reload();
    return { name, ...r };
  });

  return (
    <section aria-labelledby="repos-h">
      <div className="toolbar">
        <h1 id="repos-h">Repositories</h1>
      </div>
      <p>
        Push webhooks (GitHub, GitLab, Gitea/Forgejo) for every repository go to one URL; the repository is found by its clone URL and the signature checked against its webhook
        secret: <CopyField text={webhookUrl()} label="webhook URL" />
      </p>
      <ErrorBox error={list.error ?? refresh.error} />
      {refresh.result ? (
        <p className="ok" role="status">
          Fetched {refresh.result.name}: {short(refresh.result.revision)} {refresh.result.moved ? '(moved)' : '(no new commit)'}.
        </p>
      ) : null}
      {!list.data ? (
        list.error ? null : (
          <Loading what="repositories" />
        )
      ) : (
        <Table testId="repositories" columns={['Name', 'URL', 'Branch', 'Revision', 'Last fetch', 'Webhook secret', 'Message', session.may('operator') && 'Action']}>
          {list.data.map((r) => (
            <tr key={r.name} data-repository={r.name} className={highlight === r.name ? 'highlight' : undefined}>
              <td>
                <strong>{r.name}</strong>
              </td>
              <td>
                <code>{r.url}</code>
              </td>
              <td>{r.branch}</td>
              <td>
                <code>{short(r.status.revision)}</code>
              </td>
              <td title={when(r.status.lastFetchedAt)}>{ago(r.status.lastFetchedAt)}</td>
              <td>{r.hasWebhookSecret ? 'set' : <span className="muted">none: webhooks refused</span>}</td>
              <td className="message">{r.status.message}</td>
              <ActionCell allowed={session.may('operator')} onClick={() => void refresh.run(r.name)} busy={refresh.busy} label={`refresh ${r.name} now`}>
                Refresh
              </ActionCell>
            </tr>
          ))}
        </Table>
      )}
      {list.data?.length === 0 ? <p className="muted">No repository is registered.</p> : null}
    </section>
  );
}
