// What a sync would do (or did), per target: created, configured (with the fields that change),
// pruned, failed; unchanged objects counted, not listed.
import type { Diff, DiffChange } from '../api/client';
import { short, yamlish } from '../format';
import { ActionBadge } from './Status';
import { Table } from './Table';

const ORDER = ['failed', 'created', 'configured', 'pruned', 'skipped', 'unchanged'];

export function objectName(c: { kind: string; name: string; namespace?: string }): string {
  return `${c.kind}/${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
}

export function FieldChanges({ change }: { change: Pick<DiffChange, 'diff'> }) {
  const fields = (change.diff ?? []) as Array<{ path?: string; live?: unknown; desired?: unknown }>;
  if (!fields.length) return null;
  return (
    <Table className="fields" columns={['Field', 'Live', 'Git']}>
      {fields.map((f, i) => (
        <tr key={i}>
          <td>
            <code>{f.path || '(object)'}</code>
          </td>
          <td className="del">
            <code>{'live' in f ? yamlish(f.live) : '(absent)'}</code>
          </td>
          <td className="ins">
            <code>{'desired' in f ? yamlish(f.desired) : '(absent)'}</code>
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function Plan({ diff, title }: { diff: Diff; title: string }) {
  return (
    <section className="plan" aria-label={title} data-testid="plan">
      <h2>{title}</h2>
      {diff.targets.length === 0 ? <p className="muted">This application has no targets.</p> : null}
      {diff.targets.map((t) => {
        const counts = new Map<string, number>();
        for (const c of t.changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
        const shown = t.changes.filter((c) => c.action !== 'unchanged').sort((a, b) => ORDER.indexOf(a.action) - ORDER.indexOf(b.action));
        return (
          <article key={`${t.cluster}/${t.namespace}`} className="plan-target" data-target={`${t.cluster}/${t.namespace}`}>
            <h3>
              {t.cluster}/{t.namespace} <span className="muted">at {short(t.revision)}</span>
            </h3>
            {t.error ? (
              <p className="error">{t.error}</p>
            ) : (
              <p className="counts">
                {ORDER.filter((a) => counts.get(a)).map((a) => (
                  <span key={a}>
                    <ActionBadge action={a} /> {counts.get(a)}{' '}
                  </span>
                ))}
                {t.changes.length === 0 ? <span className="muted">nothing to apply</span> : null}
              </p>
            )}
            {shown.length ? (
              <ul className="changes">
                {shown.map((c) => (
                  <li key={`${c.group}/${c.kind}/${c.namespace ?? ''}/${c.name}`} data-action={c.action}>
                    <ActionBadge action={c.action} /> <code>{objectName(c)}</code>
                    {c.message ? <span className="muted"> — {c.message}</span> : null}
                    <FieldChanges change={c} />
                  </li>
                ))}
              </ul>
            ) : null}
          </article>
        );
      })}
    </section>
  );
}
