import type { HealthStatus, SyncStatus } from '../api/client';

const SYNC_GLYPH: Record<string, string> = { Synced: '✓', OutOfSync: '≠', Unknown: '?' };
const HEALTH_GLYPH: Record<string, string> = { Healthy: '♥', Progressing: '◔', Degraded: '✕', Suspended: '❚❚', Missing: '∅', Unknown: '?' };

export function SyncBadge({ status, compact }: { status: SyncStatus | string | undefined; compact?: boolean }) {
  const s = status ?? 'Unknown';
  return (
    <span className={`badge sync-${s}`} title={compact ? `sync: ${s}` : undefined}>
      <span aria-hidden="true">{SYNC_GLYPH[s] ?? '?'}</span>
      {compact ? <span className="sr-only">{s}</span> : ` ${s}`}
    </span>
  );
}

export function HealthBadge({ status, compact }: { status: HealthStatus | string | undefined; compact?: boolean }) {
  const s = status ?? 'Unknown';
  return (
    <span className={`badge health-${s}`} title={compact ? `health: ${s}` : undefined}>
      <span aria-hidden="true">{HEALTH_GLYPH[s] ?? '?'}</span>
      {compact ? <span className="sr-only">{s}</span> : ` ${s}`}
    </span>
  );
}

export function PhaseBadge({ phase }: { phase: string | undefined | null }) {
  const p = phase ?? 'Unknown';
  return <span className={`badge phase-${p}`}>{p}</span>;
}

export function ActionBadge({ action }: { action: string }) {
  return <span className={`badge action-${action}`}>{action}</span>;
}

export function ErrorBox({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Labels({ labels }: { labels: Record<string, string> | undefined }) {
  const entries = Object.entries(labels ?? {});
  if (!entries.length) return <span className="muted">—</span>;
  return (
    <span className="labels">
      {entries.map(([k, v]) => (
        <span key={k} className="chip">
          {k}={v}
        </span>
      ))}
    </span>
  );
}
