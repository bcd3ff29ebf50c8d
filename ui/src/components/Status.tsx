import type { HealthStatus, SyncStatus } from '../api/client';

const SYNC_GLYPH: Record<string, string> = { Synced: '✓', OutOfSync: '≠', Unknown: '?' };
const HEALTH_GLYPH: Record<string, string> = { Healthy: '♥', Progressing: '◔', Degraded: '✕', Suspended: '❚❚', Missing: '∅', Unknown: '?' };

function GlyphBadge({ kind, glyphs, status, compact }: { kind: 'sync' | 'health'; glyphs: Record<string, string>; status: string | undefined; compact?: boolean }) {
  const s = status ?? 'Unknown';
  return (
    <span className={`badge ${kind}-${s}`} title={compact ? `${kind}: ${s}` : undefined}>
      <span aria-hidden="true">{glyphs[s] ?? '?'}</span>
      {compact ? <span className="sr-only">{s}</span> : ` ${s}`}
    </span>
  );
}

// `string & {}`: any status string is shown, the known ones are named for the reader (and the editor's
// completion); a plain `string` in the union would absorb them
export function SyncBadge({ status, compact }: { status: SyncStatus | (string & {}) | undefined; compact?: boolean }) {
  return <GlyphBadge kind="sync" glyphs={SYNC_GLYPH} status={status} compact={compact} />;
}

export function HealthBadge({ status, compact }: { status: HealthStatus | (string & {}) | undefined; compact?: boolean }) {
  return <GlyphBadge kind="health" glyphs={HEALTH_GLYPH} status={status} compact={compact} />;
}

export function PhaseBadge({ phase }: { phase: string | undefined | null }) {
  const p = phase ?? 'Unknown';
  return <span className={`badge phase-${p}`}>{p}</span>;
}

/** A rollout's, a wave's or a rollout target's state. */
export function RolloutBadge({ state, testId }: { state: string; testId?: string }) {
  return (
    <span className={`badge rollout-${state}`} data-testid={testId}>
      {state}
    </span>
  );
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

/** Whether the screen is connected to the live event stream. */
export function LiveBadge({ live, title }: { live: boolean; title?: string }) {
  return (
    <span className={`live ${live ? 'on' : 'off'}`} title={title}>
      {live ? 'live' : 'offline'}
    </span>
  );
}
