import { describe, expect, it } from 'vitest';
import type { components } from '../api-schema';
import { paint } from '../output';
import { diffExitCode, isDifference, renderDiff } from './app-sync';
import { ignoreRulesText, syncPolicyText } from './applications';

type DiffView = components['schemas']['DiffView'];
type Change = DiffView['targets'][number]['changes'][number];

const p = { paint: paint(false) };
const object = (name: string, action: Change['action'], diff?: object[]): Change =>
  ({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'web', name, action, ...(diff ? { diff } : {}) }) as Change;
const view = (...changes: Change[]): DiffView => ({ targets: [{ cluster: 'c1', namespace: 'web', revision: 'a1b2c3d4e5', changes }] }) as DiffView;
const replicas = { path: 'spec.replicas', live: 5, desired: 3, ignored: true };

describe('app diff and drift rules', () => {
  it('prints an ignored difference dimmed and marked, without the arrow of a change, beside a real change', () => {
    const text = renderDiff(p, view(object('api', 'configured', [{ path: 'spec.template.spec.containers.0.image', live: 'api:1', desired: 'api:2' }, replicas])), false);
    expect(text.split('\n')).toEqual([
      '=== c1/web @ a1b2c3d',
      '~ Deployment web/api (apps/v1) configured (1 difference ignored by a drift rule)',
      '    spec.template.spec.containers.0.image: "api:1" → "api:2"',
      '    spec.replicas: 5 (git: 3)  [ignored: drift rule]',
      '',
    ]);
  });

  it('lists an unchanged object whose only differences are ignored, and says there are no differences', () => {
    const d = view(object('api', 'unchanged', [replicas]), object('db', 'unchanged'));
    const text = renderDiff(p, d, false);
    expect(text).toContain('= Deployment web/api (apps/v1) unchanged (1 difference ignored by a drift rule)\n    spec.replicas: 5 (git: 3)  [ignored: drift rule]');
    expect(text).not.toContain('web/db');
    expect(text).not.toContain('→');
    expect(text).toContain('no differences (2 objects unchanged, 1 with differences a drift rule ignores)');
    expect(diffExitCode(d)).toBe(0);
  });

  it('exit code: ignored-only is no difference, even if an object came as configured; a real change is', () => {
    expect(isDifference(object('api', 'configured', [replicas]))).toBe(false);
    expect(diffExitCode(view(object('api', 'configured', [replicas])))).toBe(0);
    expect(renderDiff(p, view(object('api', 'configured', [replicas])), false)).toContain('= Deployment web/api (apps/v1) unchanged: 1 difference ignored by a drift rule');
    expect(diffExitCode(view(object('api', 'configured', [replicas, { path: 'data.x', live: 'a', desired: 'b' }])))).toBe(1);
    expect(diffExitCode(view(object('api', 'configured')))).toBe(1);
    expect(diffExitCode(view(object('api', 'created')))).toBe(1);
    expect(diffExitCode(view(object('api', 'pruned')))).toBe(1);
    expect(diffExitCode(view(object('api', 'unchanged'), object('db', 'skipped')))).toBe(0);
  });

  it('app get: mode and onDrift in the sync policy, the drift rules briefly', () => {
    const pt = paint(false);
    expect(syncPolicyText(pt, { automated: true, prune: true })).toBe('automated, prune');
    expect(syncPolicyText(pt, { automated: false, mode: 'reportOnly', onDrift: 'report' })).toBe('manual, report only (plans and diffs, never writes), on drift: report');
    expect(syncPolicyText(pt, { mode: 'apply', onDrift: 'stopApplying' })).toBe('automated, mode apply, on drift: stopApplying');
    expect(ignoreRulesText([])).toBe('none');
    expect(
      ignoreRulesText([
        { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'api', jsonPointers: ['/spec/replicas'] },
        { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', managedFieldsManagers: ['cainjector'] },
      ]),
    ).toBe('2: Deployment.apps web/api /spec/replicas; MutatingWebhookConfiguration.admissionregistration.k8s.io fields of cainjector');
    expect(ignoreRulesText(Array.from({ length: 5 }, () => ({ kind: 'ConfigMap', jsonPointers: ['/data/a'] })))).toBe(
      '5: ConfigMap /data/a; ConfigMap /data/a; ConfigMap /data/a; … 2 more (-o yaml lists them)',
    );
  });
});
