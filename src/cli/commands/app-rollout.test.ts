import { describe, expect, it } from 'vitest';
import { paint } from '../output';
import { renderRollout, type RolloutView } from './app-rollout';
import { syncWindowText } from './applications';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const target = (cluster: string, state: RolloutView['waves'][number]['targets'][number]['state'], extra: Partial<RolloutView['waves'][number]['targets'][number]> = {}) => ({
  cluster,
  namespace: 'web',
  state,
  from: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  releasedAt: null,
  unreachableSince: null,
  message: null,
  ...extra,
});

function rollout(overrides: Partial<RolloutView> = {}): RolloutView {
  const wave = {
    maxParallel: null,
    soakSeconds: 0,
    approval: false,
    startedAt: null,
    finishedAt: null,
    soakStartedAt: null,
    soakRemainingSeconds: null,
    approvedBy: null,
    promotedBy: null,
  };
  return {
    id: 12,
    application: 'web',
    revision: '0123456789abcdef0123456789abcdef01234567',
    state: 'Progressing',
    trigger: 'webhook',
    actor: 'git',
    message: null,
    haltedTarget: null,
    supersedes: 11,
    supersededBy: null,
    startedAt: minutesAgo(3),
    finishedAt: null,
    waves: [
      { ...wave, name: 'canary', state: 'Completed', approval: true, approvedBy: 'alice', total: 1, done: 1, targets: [target('c0', 'Healthy', { releasedAt: minutesAgo(2) })] },
      {
        ...wave,
        name: 'eu',
        state: 'Soaking',
        soakSeconds: 300,
        soakRemainingSeconds: 42,
        maxParallel: '25%',
        total: 3,
        done: 3,
        targets: ['e1', 'e2', 'e3'].map((c) => target(c, 'Healthy')),
      },
      {
        ...wave,
        name: 'rest',
        state: 'Pending',
        approval: true,
        total: 2,
        done: 0,
        targets: [target('r1', 'Waiting', { from: null }), target('r2', 'Unreachable', { unreachableSince: minutesAgo(5) })],
      },
    ],
    ...overrides,
  };
}

describe('the rollout as the CLI prints it', () => {
  it('says what it moves and where it stands, then one line per wave with done/total, soak left and approval', () => {
    const text = renderRollout(paint(false), rollout(), { targets: false });
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      expect.stringMatching(/^Rollout: +#12 of web to 0123456 \(webhook, git, started 3m ago\)$/),
      expect.stringMatching(/^State: +Progressing$/),
      expect.stringMatching(/^Supersedes: +#11$/),
    ]);
    expect(lines[3]).toBe('');
    expect(lines[4]).toMatch(/^WAVE\s+STATE\s+DONE\s+SOAK\s+APPROVAL\s+PARALLEL$/);
    expect(lines.slice(5)).toEqual([
      expect.stringMatching(/^canary\s+Completed\s+1\/1\s+-\s+approved by alice\s+all$/),
      expect.stringMatching(/^eu\s+Soaking\s+3\/3\s+42s left of 5m\s+-\s+25%$/),
      expect.stringMatching(/^rest\s+Pending\s+0\/2\s+-\s+required\s+all$/),
    ]);
    expect(text).not.toContain('c0/web'); // targets only when asked
    expect(text).not.toContain('\x1b[');
  });

  it("lists every wave's targets with --targets, and says why a halted rollout stopped", () => {
    const halted = rollout({
      state: 'Halted',
      message: 'target r2/web unreachable for 600s',
      haltedTarget: { cluster: 'r2', namespace: 'web' },
      supersedes: null,
      waves: rollout().waves.map((w) =>
        w.name === 'eu' ? { ...w, state: 'Completed', soakRemainingSeconds: null, promotedBy: 'bob' } : w.name === 'rest' ? { ...w, state: 'Halted', approvedBy: 'carol' } : w,
      ),
    });
    const text = renderRollout(paint(false), halted, { targets: true });
    expect(text).toMatch(/^State: +Halted\nMessage: +target r2\/web unreachable for 600s\nHalted by: +r2\/web\n\n/m);
    expect(text).toMatch(/^eu\s+Completed\s+3\/3\s+promoted by bob\s+-\s+25%$/m);
    expect(text).toMatch(/^rest\s+Halted\s+0\/2\s+-\s+approved by carol\s+all$/m);
    expect(text).toMatch(/^WAVE\s+TARGET\s+STATE\s+FROM\s+RELEASED\s+MESSAGE$/m);
    expect(text).toMatch(/^canary\s+c0\/web\s+Healthy\s+a1b2c3d\s+2m ago$/m);
    expect(text).toMatch(/^rest\s+r1\/web\s+Waiting\s+-\s+-$/m);
    expect(text).toMatch(/^rest\s+r2\/web\s+Unreachable\s+a1b2c3d\s+-\s+unreachable since 5m ago$/m);
  });

  it('paints states on a terminal, and marks a wave that waits for approval', () => {
    const waiting = rollout({ state: 'AwaitingApproval', waves: rollout().waves.map((w) => (w.name === 'rest' ? { ...w, state: 'AwaitingApproval' } : w)) });
    const text = renderRollout(paint(true), waiting, { targets: false });
    expect(text).toContain('\x1b[33mAwaitingApproval\x1b[0m');
    expect(text).toContain('\x1b[32mCompleted\x1b[0m');
    expect(text).toContain('\x1b[33mwaiting for approval\x1b[0m');
  });
});

describe('the sync window as app get prints it', () => {
  it('says allowed, or waiting until when and why', () => {
    const p = paint(false);
    expect(syncWindowText(p, { allowed: true, manualAllowed: true, until: null, reason: null, active: [] })).toBe('allowed');
    const end = new Date(Date.now() + 90 * 60_000 + 30_000);
    const endText = `${end.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(syncWindowText(p, { allowed: true, manualAllowed: true, until: end.toISOString(), reason: null, active: [] })).toBe(`allowed until ${endText} (in 1h30m)`);
    const denied = syncWindowText(p, { allowed: false, manualAllowed: false, until: end.toISOString(), reason: 'deny window "0 22 * * *" (UTC) active', active: [] });
    expect(denied).toBe(`waiting for a sync window until ${endText} (in 1h30m) (deny window "0 22 * * *" (UTC) active); manual sync refused too`);
  });
});
