import { describe, expect, it } from 'vitest';
import { ROLLOUT_EVENT_TYPES, type RolloutEvent, type WaveSummary } from './rollout-event';
import { rolloutMessage } from './rollout-message';
import { wavesLine } from './slack-message';

const revision = {
  sha: 'abc1234def5678901234567890abcdef12345678',
  shortSha: 'abc1234',
  subject: 'Raise web replicas to 3',
  author: 'Ada Lovelace',
  url: 'https://git.example.com/org/guestbook/commit/abc1234def5678901234567890abcdef12345678',
};
const waves: WaveSummary[] = [
  { name: 'canary', state: 'Completed', targets: 1, done: 1 },
  { name: 'eu', state: 'Progressing', targets: 8, done: 3 },
  { name: 'rest', state: 'Pending', targets: 20, done: 0 },
];
const event = (over: Partial<RolloutEvent> = {}): RolloutEvent => ({
  type: 'RolloutStarted',
  application: 'guestbook',
  rolloutId: 4,
  revision,
  state: 'Progressing',
  waves,
  trigger: 'webhook',
  actor: 'flotilla',
  ...over,
});
const allText = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);

describe('wavesLine', () => {
  it('shows done waves ticked, the running wave as done/total and later waves waiting', () => {
    expect(wavesLine(waves)).toBe('canary ✓, eu 3/8, rest waiting');
  });

  it('names approval, soak, halt and rollback, and is empty without waves', () => {
    expect(
      wavesLine([
        { name: 'a', state: 'AwaitingApproval', targets: 2, done: 0 },
        { name: 'b', state: 'Soaking', targets: 2, done: 2 },
        { name: 'c', state: 'Halted', targets: 4, done: 1 },
        { name: 'd', state: 'RollingBack', targets: 1, done: 0 },
        { name: 'e', state: 'RolledBack', targets: 1, done: 0 },
      ]),
    ).toBe('a awaiting approval, b 2/2 soaking, c halted at 1/4, d rolling back, e rolled back');
    expect(wavesLine([])).toBe('');
  });
});

describe('rolloutMessage', () => {
  it('RolloutStarted names the application, the short SHA and the rollout it supersedes', () => {
    const m = rolloutMessage(event({ supersedes: 3 }));
    expect(m.text).toBe('Rollout of guestbook started at abc1234 (supersedes #3) · waves: canary ✓, eu 3/8, rest waiting · abc1234 "Raise web replicas to 3" by Ada Lovelace');
    const blocks = allText(m);
    expect(blocks).toContain(':rocket: Rollout of *guestbook* started at `abc1234` (supersedes #3)');
    expect(blocks).toContain('Waves: canary ✓, eu 3/8, rest waiting');
    expect(blocks).toContain(`<${revision.url}|\`abc1234\`> Raise web replicas to 3 — Ada Lovelace`);
    expect(blocks).toContain('triggered by webhook (flotilla) · rollout #4');
  });

  it('RolloutHalted names the wave, the target and the reason', () => {
    const m = rolloutMessage(
      event({ type: 'RolloutHalted', state: 'Halted', wave: 'canary', target: { cluster: 'east', namespace: 'web' }, reason: 'Degraded: Deployment web 0/3 available' }),
    );
    expect(m.text).toMatch(/^Rollout of guestbook halted in wave canary: east\/web: Degraded: Deployment web 0\/3 available · /);
    expect(allText(m)).toContain(':octagonal_sign: Rollout of *guestbook* halted in wave *canary*: `east/web`: Degraded: Deployment web 0/3 available');
  });

  it('a halt that rolls back says so', () => {
    const m = rolloutMessage(event({ type: 'RolloutHalted', state: 'RollingBack', wave: 'eu', reason: 'sync failed' }));
    expect(m.text).toContain('Rollout of guestbook halted in wave eu: sync failed · rolling back');
  });

  it('every event type has its own headline with the wave it is about', () => {
    const headlines: Record<RolloutEvent['type'], string> = {
      RolloutStarted: 'Rollout of guestbook started at abc1234',
      WaveStarted: 'Wave eu of guestbook started at abc1234',
      WaveCompleted: 'Wave eu of guestbook completed at abc1234',
      RolloutAwaitingApproval: 'Rollout of guestbook at abc1234 awaits approval for wave eu',
      RolloutHalted: 'Rollout of guestbook halted in wave eu',
      RolloutCompleted: 'Rollout of guestbook completed at abc1234',
    };
    const icons = new Set<string>();
    for (const type of ROLLOUT_EVENT_TYPES) {
      const m = rolloutMessage(event({ type, wave: 'eu' }));
      expect(m.text.startsWith(`${headlines[type]} · waves: `), `${type}: ${m.text}`).toBe(true);
      const first = (m.blocks[0] as { text: { text: string } }).text.text;
      icons.add(first.split(' ')[0]);
    }
    expect(icons.size).toBe(ROLLOUT_EVENT_TYPES.length);
  });

  it('leaves out the waves line and the commit subject when there are none', () => {
    const m = rolloutMessage(event({ type: 'RolloutCompleted', waves: [], revision: { sha: revision.sha, shortSha: 'abc1234' } }));
    expect(m.text).toBe('Rollout of guestbook completed at abc1234 · abc1234');
    expect(allText(m)).not.toContain('Waves:');
  });

  it('escapes what it quotes, so a commit, a wave or a reason cannot ping the channel or forge a link', () => {
    const hostile = '<!channel> & <https://evil.example|click>';
    const m = rolloutMessage(
      event({
        type: 'RolloutHalted',
        application: 'shop<!here>',
        wave: '<@U123>',
        target: { cluster: '<!everyone>', namespace: 'x' },
        reason: hostile,
        revision: { ...revision, subject: `hi ${hostile}`, author: '<@U999>' },
        waves: [{ name: '<!channel>', state: 'Halted', targets: 1, done: 0 }],
      }),
    );
    const blocks = allText(m);
    for (const raw of ['<!channel>', '<!here>', '<@U123>', '<!everyone>', '<@U999>', '<https://evil.example']) {
      expect(blocks).not.toContain(raw);
      expect(m.text).not.toContain(raw);
    }
    expect(blocks).toContain('hi &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(blocks).toContain('*shop&lt;!here&gt;*');
    expect(blocks).toContain('Waves: &lt;!channel&gt; halted at 0/1');
  });

  it('stays within Slack limits however long the reason and subject are', () => {
    const m = rolloutMessage(
      event({
        type: 'RolloutHalted',
        reason: 'x'.repeat(10_000),
        revision: { ...revision, subject: 'y'.repeat(10_000) },
        waves: Array.from({ length: 500 }, (_, i) => ({ name: `wave-${i}`, state: 'Pending', targets: 1, done: 0 })),
      }),
    );
    expect(m.text.length).toBeLessThanOrEqual(3900);
    for (const block of m.blocks) {
      const texts = [(block as { text?: { text: string } }).text?.text ?? '', ...((block as { elements?: { text: string }[] }).elements ?? []).map((e) => e.text)];
      for (const t of texts) expect(t.length).toBeLessThanOrEqual(3000);
    }
  });
});
