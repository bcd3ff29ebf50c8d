// What a sync would do (or did), per target: created, configured (with the fields that change),
// pruned, failed; unchanged objects counted, not listed, unless they have differences a drift rule
// (ignoreDifferences) leaves alone, which show greyed and tagged "ignored", never as a change.
import type { Diff, DiffChange, Schemas } from '../api/client';
import { short, yamlish } from '../format';
import { ActionBadge } from './Status';
import { Table } from './Table';

const ORDER = ['failed', 'created', 'configured', 'pruned', 'skipped', 'unchanged'];

export function objectName(c: { kind: string; name: string; namespace?: string }): string {
  return `${c.kind}/${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
}

/**
 * One field difference. `ignored`: git and the cluster differ there but a drift rule
 * (ignoreDifferences) leaves the field alone: not a change, not OutOfSync.
 */
export type FieldDiff = Schemas['FieldChangeView'];

export const IGNORED_TITLE = 'left alone by a drift rule (ignoreDifferences)';

export function fieldDiffs(change: Pick<DiffChange, 'diff'>): FieldDiff[] {
  return change.diff ?? [];
}

/** How many of an object's field differences a drift rule leaves alone. */
export function ignoredCount(change: Pick<DiffChange, 'diff'>): number {
  return fieldDiffs(change).filter((f) => f.ignored === true).length;
}

export function IgnoredTag() {
  return (
    <span className="badge ignored" title={IGNORED_TITLE}>
      ignored
    </span>
  );
}

export function FieldChanges({ change }: { change: Pick<DiffChange, 'diff'> }) {
  const fields = fieldDiffs(change);
  if (!fields.length) return null;
  return (
    <Table className="fields" columns={['Field', 'Live', 'Git']}>
      {fields.map((f, i) =>
        f.ignored ? (
          <tr key={i} className="ignored" title={IGNORED_TITLE} data-ignored="true">
            <td>
              <code>{f.path || '(object)'}</code> <IgnoredTag />
            </td>
            <td>
              <code>{'live' in f ? yamlish(f.live) : '(absent)'}</code>
            </td>
            <td>
              <code>{'desired' in f ? yamlish(f.desired) : '(absent)'}</code>
            </td>
          </tr>
        ) : (
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
        ),
      )}
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
        // unchanged objects are counted, not listed, unless a drift rule leaves differences of theirs alone
        const shown = t.changes.filter((c) => c.action !== 'unchanged' || ignoredCount(c) > 0).sort((a, b) => ORDER.indexOf(a.action) - ORDER.indexOf(b.action));
        const ignoring = t.changes.filter((c) => ignoredCount(c) > 0).length;
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
                {ignoring ? (
                  <span className="muted ignored" title={IGNORED_TITLE}>
                    {ignoring} with fields a drift rule leaves alone{' '}
                  </span>
                ) : null}
                {t.changes.length === 0 ? <span className="muted">nothing to apply</span> : null}
              </p>
            )}
            {shown.length ? (
              <ul className="changes">
                {shown.map((c) => (
                  <li key={`${c.group}/${c.kind}/${c.namespace ?? ''}/${c.name}`} data-action={c.action}>
                    <ActionBadge action={c.action} /> <code>{objectName(c)}</code>
                    {c.message ? <span className="muted"> — {c.message}</span> : null}
                    {c.action === 'unchanged' ? (
                      <span className="muted ignored" title={IGNORED_TITLE}>
                        {' '}
                        — only differences a drift rule leaves alone
                      </span>
                    ) : null}
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
