// The Slack messages Flotilla posts, as Block Kit plus a plain-text fallback: one per target run
// event (`targetMessage`), and one per (application, revision) that is edited as the fleet's
// targets finish (`revisionMessage`); a rollout's events are drawn in rollout-message.ts with the
// helpers exported here. Pure functions; the input types are the hook event's shape.
// Everything quoted is escaped (no `<!channel>` from a commit subject) and clipped to Slack's
// limits (section text 3000 characters, 50 blocks), so a message never fails for its size.
import type { WaveSummary } from './rollout-event';

export type HookEventType = 'PreSync' | 'PostSync' | 'SyncFailed' | 'HealthDegraded' | 'DriftDetected';

export interface ChangeCounts {
  created: number;
  configured: number;
  unchanged: number;
  pruned: number;
  skipped: number;
  failed: number;
}

export interface RevisionInfo {
  sha: string;
  shortSha: string;
  /** the commit subject (first line of the message) */
  subject?: string;
  author?: string;
  /** a link to the commit, when the repository URL allows one */
  url?: string;
}

/** An object the event is about: failed to apply (SyncFailed), unhealthy (HealthDegraded), drifted (DriftDetected). */
export interface ObjectProblem {
  kind: string;
  namespace?: string;
  name: string;
  message: string;
}

/** One event of one target run. */
export interface TargetEvent {
  type: HookEventType;
  application: string;
  cluster: string;
  namespace: string;
  revision: RevisionInfo;
  /** what started the run: `webhook`, `poll`, `manual`, `interval`, … */
  trigger?: string;
  /** who started it, for manual runs */
  actor?: string;
  /** planned counts for PreSync, applied counts after */
  counts: ChangeCounts;
  failedObjects: ObjectProblem[];
  /** the reason, for SyncFailed and HealthDegraded; a note otherwise */
  message?: string;
}

export type TargetOutcome = 'pending' | 'synced' | 'failed';

export interface TargetResult {
  cluster: string;
  namespace: string;
  outcome: TargetOutcome;
  message?: string;
  counts?: ChangeCounts;
}

/** One (application, revision) across its targets, for `group: "revision"`. */
export interface RevisionSummary {
  application: string;
  revision: RevisionInfo;
  total: number;
  finished: number;
  synced: number;
  failed: number;
  results: TargetResult[];
  /** every target finished (or the grouping timed out): the last edit */
  final: boolean;
  /** totals over the targets; summed from `results` when absent */
  counts?: ChangeCounts;
  /** the application's rollout of this revision, when it has one: its waves in order */
  waves?: WaveSummary[];
}

export type SlackText = { type: 'mrkdwn'; text: string } | { type: 'plain_text'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** the fallback: notifications, screen readers, clients that show no blocks */
  text: string;
  blocks: SlackBlock[];
}

const SECTION_MAX = 3000;
const TEXT_MAX = 3900;
const LIST_MAX = 10;

const ICON: Record<HookEventType, string> = {
  PreSync: ':arrows_counterclockwise:',
  PostSync: ':white_check_mark:',
  SyncFailed: ':x:',
  HealthDegraded: ':warning:',
  DriftDetected: ':mag:',
};

/** The message for one target run event. */
export function targetMessage(event: TargetEvent): SlackMessage {
  const where = `${event.cluster}/${event.namespace}`;
  const result = resultLine(event);
  const blocks: SlackBlock[] = [
    section(`${ICON[event.type]} *${esc(event.application)}* → \`${esc(where)}\`\n*${event.type}* · ${esc(result)}`),
    context([commitLine(event.revision), runLine(event)].filter(Boolean).join(' · ')),
  ];
  if (event.type !== 'DriftDetected' || hasCounts(event.counts)) {
    blocks.push(context(`${event.type === 'PreSync' ? 'Planned: ' : ''}${countsLine(event.counts)}`));
  }
  if (event.failedObjects.length > 0) blocks.push(section(objectList(event.failedObjects)));
  const text = `${event.application} → ${where}: ${event.type}, ${result} · ${commitText(event.revision)}`;
  return { text: fallbackText(text), blocks };
}

/** The message for one (application, revision) across targets; edited in place as they finish. */
export function revisionMessage(summary: RevisionSummary): SlackMessage {
  const progress = progressLine(summary);
  const counts = summary.counts ?? sumCounts(summary.results);
  const icon = !summary.final ? ':arrows_counterclockwise:' : summary.failed > 0 ? ':x:' : ':white_check_mark:';
  const blocks: SlackBlock[] = [
    section(`${icon} *${esc(summary.application)}* · ${commitLine(summary.revision)}`),
    section(`*${summary.final ? 'Done: ' : ''}${progress}*${summary.final ? '' : ` · ${summary.total - summary.finished} pending`}`),
  ];
  const waves = summary.waves?.length ? wavesLine(summary.waves) : '';
  if (waves) blocks.push(section(`Waves: ${esc(waves)}`));
  if (counts && (summary.final || hasCounts(counts))) blocks.push(context(`${summary.final ? 'Totals: ' : 'So far: '}${countsLine(counts)}`));
  const failed = summary.results.filter((r) => r.outcome === 'failed');
  if (summary.total <= LIST_MAX) {
    if (summary.results.length > 0) blocks.push(section(summary.results.map(resultItem).join('\n')));
  } else if (failed.length > 0) {
    const more = failed.length > LIST_MAX ? `\n… and ${failed.length - LIST_MAX} more failed` : '';
    blocks.push(section(`*Failed*\n${failed.slice(0, LIST_MAX).map(resultItem).join('\n')}${more}`));
  }
  const totals = summary.final && counts ? ` · ${countsLine(counts)}` : '';
  const text = `${summary.application} ${summary.revision.shortSha}${summary.final ? ' done' : ''}: ${progress}${totals}${waves ? ` · waves: ${waves}` : ''}`;
  return { text: fallbackText(text), blocks };
}

/** "37/100 synced, 1 failed" */
export function progressLine(summary: Pick<RevisionSummary, 'total' | 'synced' | 'failed'>): string {
  return `${summary.synced}/${summary.total} synced, ${summary.failed} failed`;
}

/**
 * "canary ✓, eu 3/8, rest waiting": each wave by its state, with how many of its targets are done
 * while it is under way. Plain text: escape it for mrkdwn.
 */
export function wavesLine(waves: readonly WaveSummary[]): string {
  return waves.map((w) => `${oneLine(w.name, 63)}${waveProgress(w)}`).join(', ');
}

function waveProgress(w: WaveSummary): string {
  const count = `${w.done}/${w.targets}`;
  switch (w.state) {
    case 'Completed':
      return ' ✓';
    case 'Pending':
      return ' waiting';
    case 'AwaitingApproval':
      return ' awaiting approval';
    case 'Progressing':
      return ` ${count}`;
    case 'Soaking':
      return ` ${count} soaking`;
    case 'Halted':
      return ` halted at ${count}`;
    case 'RollingBack':
      return ' rolling back';
    case 'RolledBack':
      return ' rolled back';
    default:
      return ` ${oneLine(w.state, 32).toLowerCase()} ${count}`;
  }
}

/** The result in words: "will apply 3 changes", "Synced · Healthy", "Sync failed: …". */
export function resultLine(event: Pick<TargetEvent, 'type' | 'counts' | 'failedObjects' | 'message'>): string {
  const reason = event.message ? `: ${oneLine(event.message, 300)}` : '';
  switch (event.type) {
    case 'PreSync': {
      const n = event.counts.created + event.counts.configured + event.counts.pruned;
      return `will apply ${n} ${n === 1 ? 'change' : 'changes'}`;
    }
    case 'PostSync':
      return 'Synced · Healthy';
    case 'SyncFailed':
      return `Sync failed${reason}`;
    case 'HealthDegraded':
      return `Health degraded${reason}`;
    case 'DriftDetected': {
      const n = event.failedObjects.length;
      return n > 0 ? `${n} ${n === 1 ? 'object differs' : 'objects differ'} from git${reason}` : `live state differs from git${reason}`;
    }
  }
}

/** "2 created · 1 configured · 5 unchanged"; zeros left out. */
export function countsLine(counts: ChangeCounts): string {
  const order: (keyof ChangeCounts)[] = ['created', 'configured', 'pruned', 'unchanged', 'skipped', 'failed'];
  const parts = order.filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
  return parts.length > 0 ? parts.join(' · ') : 'no changes';
}

function hasCounts(counts: ChangeCounts): boolean {
  return Object.values(counts).some((n) => n > 0);
}

function sumCounts(results: TargetResult[]): ChangeCounts | undefined {
  const withCounts = results.filter((r) => r.counts);
  if (withCounts.length === 0) return undefined;
  const sum: ChangeCounts = { created: 0, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 };
  for (const r of withCounts) for (const k of Object.keys(sum) as (keyof ChangeCounts)[]) sum[k] += r.counts![k];
  return sum;
}

/** The linked short SHA, subject and author, escaped for mrkdwn. */
export function commitLine(rev: RevisionInfo): string {
  const sha = `\`${esc(rev.shortSha)}\``;
  const linked = rev.url && /^https?:\/\//i.test(rev.url) ? `<${linkTarget(rev.url)}|${sha}>` : sha;
  const subject = rev.subject ? ` ${esc(oneLine(rev.subject, 200))}` : '';
  const author = rev.author ? ` — ${esc(oneLine(rev.author, 100))}` : '';
  return `${linked}${subject}${author}`;
}

/** The short SHA, subject and author as plain text (escape it for mrkdwn). */
export function commitText(rev: RevisionInfo): string {
  return `${rev.shortSha}${rev.subject ? ` "${oneLine(rev.subject, 200)}"` : ''}${rev.author ? ` by ${oneLine(rev.author, 100)}` : ''}`;
}

/** "triggered by webhook (alice)", escaped; empty when neither is known. */
export function runLine(event: { trigger?: string; actor?: string }): string {
  if (!event.trigger && !event.actor) return '';
  return `triggered by ${esc(event.trigger ?? 'unknown')}${event.actor ? ` (${esc(event.actor)})` : ''}`;
}

function objectList(objects: ObjectProblem[]): string {
  const lines = objects.slice(0, LIST_MAX).map((o) => `• \`${esc(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`)}\`: ${esc(oneLine(o.message, 250))}`);
  if (objects.length > LIST_MAX) lines.push(`… and ${objects.length - LIST_MAX} more`);
  return lines.join('\n');
}

function resultItem(r: TargetResult): string {
  const icon = r.outcome === 'synced' ? ':white_check_mark:' : r.outcome === 'failed' ? ':x:' : ':hourglass_flowing_sand:';
  return `${icon} \`${esc(`${r.cluster}/${r.namespace}`)}\`${r.message ? `: ${esc(oneLine(r.message, 200))}` : ''}`;
}

export function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, SECTION_MAX) } };
}

export function context(text: string): SlackBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, SECTION_MAX) }] };
}

/** Slack's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function linkTarget(url: string): string {
  return url.replace(/[|<>\s]/g, (c) => encodeURIComponent(c));
}

/** The fallback text: escaped, within Slack's length limit. */
export function fallbackText(text: string): string {
  return clip(esc(text), TEXT_MAX);
}

export function oneLine(text: string, max: number): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
