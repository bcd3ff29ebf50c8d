// What a hook says about a target run, in one shape for every channel: built from the run, the
// target and the commit, sent as the CloudEvent's data and drawn as the Slack message.
import type { ChangeAction, ChangeSetEntry } from '../engine';
import type { HookEvent, HookEventName } from './delivery.entity';
import { ROLLOUT_EVENT_TYPES, type RolloutEventType } from './rollout-event';
import type { ChangeCounts, ObjectProblem, RevisionInfo, TargetEvent } from './slack-message';

export type { TargetEvent };

/** A hook on an application (SPEC §1): which events go to which channel, how grouped, gating or not. */
export interface Hook {
  on: HookEventName[];
  channel: string;
  /** `target` (default): one message per target run; `revision`: one per application and revision */
  group: 'target' | 'revision';
  /** PreSync on a webhook channel only: the run waits for a 2xx answer, else ends Blocked */
  gate: boolean;
}

/** The target events a `group: "revision"` hook gathers into one message per application and revision. */
export const REVISION_GROUPED_EVENTS: readonly HookEvent[] = ['PreSync', 'PostSync', 'SyncFailed'];

export const EMPTY_COUNTS: ChangeCounts = { created: 0, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 };

export function isRolloutEvent(event: string): event is RolloutEventType {
  return (ROLLOUT_EVENT_TYPES as readonly string[]).includes(event);
}

/** `io.flotilla.sync.presync`, …, and for a rollout's events `io.flotilla.rollout.rollouthalted`, … (SPEC §4) */
export function cloudEventType(event: HookEventName | 'Revision' | 'Test'): string {
  return `io.flotilla.${isRolloutEvent(event) ? 'rollout' : 'sync'}.${event.toLowerCase()}`;
}

/** A link to the commit when the repository URL is an http(s) web host without credentials. */
export function commitUrl(repositoryUrl: string, sha: string): string | undefined {
  let url: URL;
  try {
    url = new URL(repositoryUrl);
  } catch {
    return undefined; // scp-like ssh addresses have no web page to link
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password) return undefined;
  const base = `${url.origin}${url.pathname.replace(/\.git$/, '').replace(/\/$/, '')}`;
  return url.hostname.includes('gitlab') ? `${base}/-/commit/${sha}` : `${base}/commit/${sha}`;
}

export function revisionInfo(sha: string, commit: { subject?: string; author?: string } | null | undefined, repositoryUrl?: string): RevisionInfo {
  const url = repositoryUrl ? commitUrl(repositoryUrl, sha) : undefined;
  return { sha, shortSha: sha.slice(0, 7), ...(commit?.subject ? { subject: commit.subject } : {}), ...(commit?.author ? { author: commit.author } : {}), ...(url ? { url } : {}) };
}

export function countsOf(counts: Partial<Record<ChangeAction, number>> | null | undefined): ChangeCounts {
  return { ...EMPTY_COUNTS, ...(counts ?? {}) };
}

/** The failed entries of a change set, as the messages name them (at most 20). */
export function failedObjects(changes: readonly ChangeSetEntry[]): ObjectProblem[] {
  return changes
    .filter((c) => c.action === 'failed')
    .slice(0, 20)
    .map((c) => ({ kind: c.ref.kind, ...(c.ref.namespace ? { namespace: c.ref.namespace } : {}), name: c.ref.name, message: c.message ?? 'failed' }));
}
