import { describe, expect, it } from 'vitest';
import { countsLine, revisionMessage, targetMessage, type ChangeCounts, type RevisionSummary, type TargetEvent, type TargetResult } from './slack-message';

const zero: ChangeCounts = { created: 0, configured: 0, unchanged: 0, pruned: 0, skipped: 0, failed: 0 };
const revision = {
  sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  shortSha: 'a1b2c3d',
  subject: 'Raise web replicas to 3',
  author: 'Ada Lovelace',
  url: 'https://git.example.com/org/shop/commit/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
};
const event = (over: Partial<TargetEvent> = {}): TargetEvent => ({
  type: 'PreSync',
  application: 'shop',
  cluster: 'east',
  namespace: 'default',
  revision,
  trigger: 'webhook',
  counts: { ...zero, created: 1, configured: 2, unchanged: 5 },
  failedObjects: [],
  ...over,
});
const allText = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);

describe('targetMessage', () => {
  it('PreSync names the application, target, linked short SHA, subject, author and planned counts', () => {
    const m = targetMessage(event());
    expect(m.text).toBe('shop → east/default: PreSync, will apply 3 changes · a1b2c3d "Raise web replicas to 3" by Ada Lovelace');
    const blocks = allText(m);
    expect(blocks).toContain('*shop* → `east/default`');
    expect(blocks).toContain(`<${revision.url}|\`a1b2c3d\`> Raise web replicas to 3 — Ada Lovelace`);
    expect(blocks).toContain('Planned: 1 created · 2 configured · 5 unchanged');
    expect(blocks).toContain('triggered by webhook');
  });

  it('PostSync says Synced · Healthy with the applied counts', () => {
    const m = targetMessage(event({ type: 'PostSync', actor: 'alice', trigger: 'manual' }));
    expect(m.text).toContain('PostSync, Synced · Healthy');
    expect(allText(m)).toContain('triggered by manual (alice)');
    expect(allText(m)).not.toContain('Planned:');
  });

  it('SyncFailed carries the reason and the failed objects, at most ten listed', () => {
    const failedObjects = Array.from({ length: 12 }, (_, i) => ({ kind: 'Deployment', namespace: 'default', name: `web-${i}`, message: 'spec.replicas: Invalid value: -1' }));
    const m = targetMessage(event({ type: 'SyncFailed', message: 'apply failed for 12 objects', failedObjects, counts: { ...zero, failed: 12 } }));
    expect(m.text).toContain('Sync failed: apply failed for 12 objects');
    const blocks = allText(m);
    expect(blocks).toContain('`Deployment default/web-0`: spec.replicas: Invalid value: -1');
    expect(blocks).toContain('web-9');
    expect(blocks).not.toContain('web-10`');
    expect(blocks).toContain('… and 2 more');
  });

  it('HealthDegraded and DriftDetected read as such', () => {
    expect(targetMessage(event({ type: 'HealthDegraded', message: 'Deployment web: 0/3 available' })).text).toContain('Health degraded: Deployment web: 0/3 available');
    const drift = targetMessage(
      event({ type: 'DriftDetected', counts: zero, failedObjects: [{ kind: 'ConfigMap', namespace: 'default', name: 'settings', message: 'data.mode changed' }] }),
    );
    expect(drift.text).toContain('DriftDetected, 1 object differs from git');
  });

  it('escapes what it quotes, so a commit cannot ping the channel or forge a link', () => {
    const m = targetMessage(event({ revision: { ...revision, subject: 'hi <!channel> & <https://evil.example|click>', author: '<@U123>', url: 'https://git.example.com/x|y>z' } }));
    const blocks = allText(m);
    expect(blocks).not.toContain('<!channel>');
    expect(blocks).toContain('hi &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(blocks).toContain('&lt;@U123&gt;');
    expect(blocks).toContain('<https://git.example.com/x%7Cy%3Ez|`a1b2c3d`>');
    expect(m.text).not.toContain('<!channel>');
  });

  it('does not link a commit URL that is not http(s)', () => {
    expect(allText(targetMessage(event({ revision: { ...revision, url: 'javascript:alert(1)' } })))).not.toContain('javascript:');
  });
});

describe('revisionMessage', () => {
  const results = (n: number, failed: number, pending: number): TargetResult[] =>
    Array.from({ length: n }, (_, i) => ({
      cluster: `c${i}`,
      namespace: 'default',
      outcome: i < failed ? 'failed' : i < failed + pending ? 'pending' : 'synced',
      message: i < failed ? `apply failed: ${'x'.repeat(400)}` : undefined,
      counts: i < failed + pending ? undefined : { ...zero, configured: 1, unchanged: 4 },
    }));
  const summary = (over: Partial<RevisionSummary>): RevisionSummary => ({
    application: 'shop',
    revision,
    total: 100,
    finished: 38,
    synced: 37,
    failed: 1,
    results: results(100, 1, 62),
    final: false,
    ...over,
  });

  it('shows progress while targets finish', () => {
    const m = revisionMessage(summary({}));
    expect(m.text).toBe('shop a1b2c3d: 37/100 synced, 1 failed');
    expect(allText(m)).toContain('*37/100 synced, 1 failed* · 62 pending');
    expect(allText(m)).toContain('So far: 37 configured · 148 unchanged');
    expect(allText(m)).toContain('`c0/default`: apply failed');
  });

  it('the final edit shows the totals', () => {
    const m = revisionMessage(summary({ finished: 100, synced: 99, failed: 1, results: results(100, 1, 0), final: true }));
    expect(m.text).toBe('shop a1b2c3d done: 99/100 synced, 1 failed · 99 configured · 396 unchanged');
    expect(allText(m)).toContain('*Done: 99/100 synced, 1 failed*');
    expect(allText(m)).toContain('Totals: 99 configured · 396 unchanged');
  });

  it("shows the rollout's waves on one line when the revision has a rollout", () => {
    const waves = [
      { name: 'canary', state: 'Completed', targets: 1, done: 1 },
      { name: 'eu', state: 'Progressing', targets: 8, done: 3 },
      { name: 'rest', state: 'Pending', targets: 91, done: 0 },
    ];
    const m = revisionMessage(summary({ waves }));
    expect(m.text).toBe('shop a1b2c3d: 37/100 synced, 1 failed · waves: canary ✓, eu 3/8, rest waiting');
    expect(allText(m)).toContain('"Waves: canary ✓, eu 3/8, rest waiting"');
    expect(allText(revisionMessage(summary({ waves: [{ name: '<!channel>', state: 'Pending', targets: 1, done: 0 }] })))).toContain('Waves: &lt;!channel&gt; waiting');
    expect(allText(revisionMessage(summary({})))).not.toContain('Waves:');
    expect(allText(revisionMessage(summary({ waves: [] })))).not.toContain('Waves:');
  });

  it('lists every target of a small fleet, and only the failures of a large one, within Slack limits', () => {
    const small = revisionMessage({ ...summary({}), total: 3, finished: 2, synced: 1, failed: 1, results: results(3, 1, 1) });
    expect(allText(small)).toContain(':hourglass_flowing_sand: `c1/default`');
    expect(allText(small)).toContain(':white_check_mark: `c2/default`');
    const large = revisionMessage(summary({ finished: 100, synced: 40, failed: 60, results: results(100, 60, 0), final: true }));
    expect(allText(large)).toContain('… and 50 more failed');
    expect(large.blocks.length).toBeLessThanOrEqual(50);
    for (const block of large.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(3000);
    }
  });
});

describe('countsLine', () => {
  it('leaves zeros out', () => {
    expect(countsLine(zero)).toBe('no changes');
    expect(countsLine({ ...zero, pruned: 2, failed: 1 })).toBe('2 pruned · 1 failed');
  });
});
