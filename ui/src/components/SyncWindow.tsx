// Whether sync windows let automated syncs run now (GET /applications/:name's syncWindow).
import type { SyncWindowStatus } from '../api/client';
import { when } from '../format';

/** "Sync allowed" (until when), or "Waiting for sync window until …" and why. */
export function SyncWindowText({ w }: { w: SyncWindowStatus }) {
  if (w.allowed) return <span className="sync-Synced">Sync allowed{w.until ? ` until ${when(w.until)}` : ''}</span>;
  return (
    <>
      <span className="sync-OutOfSync">Waiting for sync window{w.until ? ` until ${when(w.until)}` : ''}</span>
      <span className="muted">
        {w.reason ? ` — ${w.reason}` : ''} · manual sync {w.manualAllowed ? 'allowed' : 'refused too'}
      </span>
    </>
  );
}
