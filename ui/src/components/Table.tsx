// The pieces the screens' tables share: the table with its header row, a row's action button,
// and the "Load more" of a list paged by cursor.
import type { ReactNode } from 'react';
import type { CursorList } from '../hooks';

/** A table with one header row; a column given as false (one the token's role does not get) is left out. */
export function Table({ columns, testId, className = 'grid', children }: { columns: Array<string | false>; testId?: string; className?: string; children: ReactNode }) {
  return (
    <table className={className} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c) =>
            c === false ? null : (
              <th key={c} scope="col">
                {c}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/**
 * A row's action cell, there only when the token may act (`allowed`); the cell stays empty for a
 * row the action does not apply to (`offered` false).
 */
export function ActionCell({
  allowed,
  offered = true,
  onClick,
  busy,
  label,
  children,
}: {
  allowed: boolean;
  offered?: boolean;
  onClick: () => void;
  busy: boolean;
  label?: string;
  children: ReactNode;
}) {
  if (!allowed) return null;
  return (
    <td>
      {offered ? (
        <button type="button" className="small" onClick={onClick} disabled={busy} aria-label={label}>
          {children}
        </button>
      ) : null}
    </td>
  );
}

export function LoadMore({ list }: { list: Pick<CursorList<unknown>, 'hasMore' | 'loadingMore' | 'loadMore'> }) {
  if (!list.hasMore) return null;
  return (
    <button type="button" onClick={() => void list.loadMore()} disabled={list.loadingMore}>
      Load more
    </button>
  );
}
