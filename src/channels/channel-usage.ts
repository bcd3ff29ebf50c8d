import { Injectable } from '@nestjs/common';
import type { RevisionSummary } from './slack-message';

/**
 * What the channels layer asks of the layer above it, without importing it: who uses a channel
 * (DELETE answers 409 while anything does), and how a revision's rollout stands across an
 * application's targets (for grouped messages). The applications module registers both at start.
 */
@Injectable()
export class ChannelUsage {
  private users: Array<(channel: string) => Promise<string[]>> = [];
  private rollout?: (application: string, sha: string) => Promise<Omit<RevisionSummary, 'revision' | 'final'> & { final: boolean }>;

  registerUsers(check: (channel: string) => Promise<string[]>): void {
    this.users.push(check);
  }

  registerRollout(summary: NonNullable<ChannelUsage['rollout']>): void {
    this.rollout = summary;
  }

  async usersOf(channel: string): Promise<string[]> {
    return (await Promise.all(this.users.map((u) => u(channel)))).flat();
  }

  /** The targets' results for one revision; none known when nothing registered. */
  async rolloutOf(application: string, sha: string): Promise<Omit<RevisionSummary, 'revision' | 'final'> & { final: boolean }> {
    return this.rollout?.(application, sha) ?? { application, total: 0, finished: 0, synced: 0, failed: 0, results: [], final: true };
  }
}
