// The waves of an application's rollout of one revision, as the revision message shows them. The
// `rollouts` table belongs to the applications module, which imports channels — never the other
// way round — so it is read here with one raw query. A database without that table yet has no waves.
import type { EntityManager } from 'typeorm';
import type { WaveSummary } from './rollout-event';

/** The newest rollout of (application, revision): its waves, or undefined when there is none. */
export async function rolloutWaves(db: Pick<EntityManager, 'query'>, application: string, sha: string): Promise<WaveSummary[] | undefined> {
  let rows: Array<{ waves: unknown }>;
  try {
    rows = await db.query(`SELECT waves FROM rollouts WHERE application = ? AND revision = ? ORDER BY id DESC LIMIT 1`, [application, sha]);
  } catch (e) {
    if (/no such table/i.test(e instanceof Error ? e.message : String(e))) return undefined;
    throw e;
  }
  return rows.length ? waveSummaries(rows[0].waves) : undefined;
}

/**
 * The stored waves (`[{ name, state, targets: [{ state }] }]`, JSON text or parsed) as summaries:
 * a target is done once it is Healthy at the rollout's revision. Anything unreadable: undefined.
 */
export function waveSummaries(stored: unknown): WaveSummary[] | undefined {
  let waves = stored;
  if (typeof stored === 'string') {
    try {
      waves = JSON.parse(stored);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(waves)) return undefined;
  return waves
    .filter((w): w is { name: string; state?: unknown; targets?: unknown } => typeof w?.name === 'string')
    .map((w) => {
      const targets: unknown[] = Array.isArray(w.targets) ? w.targets : [];
      return {
        name: w.name,
        state: typeof w.state === 'string' ? w.state : 'Pending',
        targets: targets.length,
        done: targets.filter((t) => (t as { state?: unknown } | null)?.state === 'Healthy').length,
      };
    });
}
