// The Slack message for one rollout event: a headline that says what happened to the rollout, the
// waves line ("canary ✓, eu 3/8, rest waiting"), and the commit. Pure; escaped and clipped with
// the helpers of slack-message.ts, so a commit subject or wave name can never ping or forge a link.
import type { RolloutEvent } from './rollout-event';
import { commitLine, commitText, context, esc, fallbackText, oneLine, runLine, section, wavesLine, type SlackBlock, type SlackMessage } from './slack-message';

const ICON: Record<RolloutEvent['type'], string> = {
  RolloutStarted: ':rocket:',
  WaveStarted: ':arrow_forward:',
  WaveCompleted: ':ballot_box_with_check:',
  RolloutAwaitingApproval: ':raised_hand:',
  RolloutHalted: ':octagonal_sign:',
  RolloutCompleted: ':white_check_mark:',
};

/** How the headline quotes what it names: bold and escaped for mrkdwn, as is for the fallback. */
interface Quote {
  name(text: string): string;
  code(text: string): string;
  text(text: string): string;
}

const MRKDWN: Quote = { name: (t) => `*${esc(t)}*`, code: (t) => `\`${esc(t)}\``, text: esc };
const PLAIN: Quote = { name: (t) => t, code: (t) => t, text: (t) => t };

export function rolloutMessage(event: RolloutEvent): SlackMessage {
  const waves = wavesLine(event.waves);
  const blocks: SlackBlock[] = [section(`${ICON[event.type]} ${headline(event, MRKDWN)}`)];
  if (waves) blocks.push(section(`Waves: ${esc(waves)}`));
  // a halt names its reason in the headline; other events carry one only as a note
  if (event.reason && event.type !== 'RolloutHalted') blocks.push(context(esc(oneLine(event.reason, 500))));
  blocks.push(context([commitLine(event.revision), runLine(event), `rollout #${event.rolloutId}`].filter(Boolean).join(' · ')));
  const text = [headline(event, PLAIN), waves && `waves: ${waves}`, commitText(event.revision)].filter(Boolean).join(' · ');
  return { text: fallbackText(text), blocks };
}

/** "Rollout of guestbook halted in wave canary: east/web: Degraded …" */
function headline(e: RolloutEvent, q: Quote): string {
  const app = q.name(oneLine(e.application, 63));
  const sha = q.code(e.revision.shortSha);
  const wave = e.wave ? q.name(oneLine(e.wave, 63)) : undefined;
  switch (e.type) {
    case 'RolloutStarted':
      return `Rollout of ${app} started at ${sha}${e.supersedes ? ` (supersedes #${e.supersedes})` : ''}`;
    case 'WaveStarted':
      return `Wave ${wave ?? '?'} of ${app} started at ${sha}`;
    case 'WaveCompleted':
      return `Wave ${wave ?? '?'} of ${app} completed at ${sha}`;
    case 'RolloutAwaitingApproval':
      return `Rollout of ${app} at ${sha} awaits approval${wave ? ` for wave ${wave}` : ''}`;
    case 'RolloutHalted': {
      const target = e.target ? `: ${q.code(oneLine(`${e.target.cluster}/${e.target.namespace}`, 130))}` : '';
      const reason = e.reason ? `: ${q.text(oneLine(e.reason, 300))}` : '';
      const after = e.state === 'RollingBack' ? ' · rolling back' : '';
      return `Rollout of ${app} halted${wave ? ` in wave ${wave}` : ''}${target}${reason}${after}`;
    }
    case 'RolloutCompleted':
      return `Rollout of ${app} completed at ${sha}`;
  }
}
