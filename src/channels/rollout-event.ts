// What a hook says about a rollout (SPEC §4 rollout events): one shape for every channel, sent as
// the CloudEvent's data and drawn as the Slack message. Built by the rollout controller.
import type { RevisionInfo } from './slack-message';

export const ROLLOUT_EVENT_TYPES = ['RolloutStarted', 'WaveStarted', 'WaveCompleted', 'RolloutAwaitingApproval', 'RolloutHalted', 'RolloutCompleted'] as const;
export type RolloutEventType = (typeof ROLLOUT_EVENT_TYPES)[number];

/** One wave as the message shows it: "canary ✓, eu 3/8, rest waiting". */
export interface WaveSummary {
  name: string;
  /** Pending | AwaitingApproval | Progressing | Soaking | Completed | Halted | RollingBack | RolledBack */
  state: string;
  /** targets in the wave, and how many of them are done (Healthy at the rollout's revision) */
  targets: number;
  done: number;
}

export interface RolloutEvent {
  type: RolloutEventType;
  application: string;
  rolloutId: number;
  revision: RevisionInfo;
  /** the rollout's state after the event: Progressing, AwaitingApproval, Halted, RollingBack, Completed, … */
  state: string;
  /** the wave the event is about (WaveStarted, WaveCompleted, RolloutAwaitingApproval, RolloutHalted) */
  wave?: string;
  waves: WaveSummary[];
  /** RolloutHalted: the target that halted it */
  target?: { cluster: string; namespace: string };
  /** RolloutHalted: why; RolloutStarted: what it supersedes */
  reason?: string;
  /** RolloutStarted: the rollout this one replaces (a newer commit arrived mid-rollout) */
  supersedes?: number;
  /** what started the rollout (webhook, schedule, rollback, manual) and who */
  trigger: string;
  actor: string;
}
