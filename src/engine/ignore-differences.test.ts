import { describe, expect, it } from 'vitest';
import { ignoreRuleProblem, ignoreRulesProblem, parsePointer, pointerProblem, type IgnoreRule } from '../shared/ignore-rules';
import { fieldsOf, ignoredChanges, ignoredFields, rulesFor, withoutIgnored } from './ignore-differences';
import type { KubeObject, ObjectRef } from './objects';

const ref: ObjectRef = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' };

function deployment(replicas: number, image = 'web:1', extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', annotations: { 'flotilla.io/tracking-id': 'a:shop' }, ...extra },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'main', image }] } } },
  };
}

const hpaScaled = (replicas: number, fieldsOwner = 'hpa-controller'): KubeObject =>
  deployment(replicas, 'web:1', {
    managedFields: [
      { manager: 'flotilla', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:selector': {}, 'f:template': {} } } },
      { manager: fieldsOwner, operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } },
    ],
  });

describe('JSON pointers', () => {
  it('unescapes ~1 and ~0 and names what is wrong with a bad one', () => {
    expect(parsePointer('/metadata/annotations/example.com~1owner')).toEqual(['metadata', 'annotations', 'example.com/owner']);
    expect(parsePointer('/a~0b/0')).toEqual(['a~b', '0']);
    expect(pointerProblem('spec/replicas')).toContain('"spec/replicas" is not a JSON pointer (RFC 6901): it must start with "/"');
    expect(pointerProblem('/a~2')).toContain('"~" must be followed by 0');
    expect(pointerProblem('/')).toContain('whole object');
    expect(pointerProblem('/spec//x')).toContain('empty segment');
    expect(pointerProblem('/spec/replicas')).toBeNull();
  });

  it('checks rules field by field, naming the bad pointer', () => {
    expect(ignoreRuleProblem({ kind: 'Deployment', jsonPointers: ['/spec/replicas', 'spec/x'] }, 'ignoreDifferences[0]')).toMatch(
      /^ignoreDifferences\[0\]\.jsonPointers\[1\]: "spec\/x" is not a JSON pointer/,
    );
    expect(ignoreRuleProblem({ kind: 'Deployment' }, 'r')).toContain('give jsonPointers or managedFieldsManagers');
    expect(ignoreRuleProblem({ jsonPointers: ['/a'] }, 'r')).toContain('r.kind');
    expect(ignoreRuleProblem({ kind: 'X', jsonPointers: ['/a'], jqPathExpressions: ['.a'] }, 'r')).toContain('unknown field "jqPathExpressions"');
    expect(ignoreRuleProblem({ kind: 'X', managedFieldsManagers: [''] }, 'r')).toContain('r.managedFieldsManagers[0]');
    expect(ignoreRulesProblem('x', 'sync.ignoreDifferences')).toContain('must be a list');
    expect(ignoreRulesProblem([{ kind: 'Deployment', managedFieldsManagers: ['hpa-*'] }], 'x')).toBeNull();
  });
});

describe('which rules apply', () => {
  it('matches kind and group exactly or by glob, name and namespace when given', () => {
    const rules: IgnoreRule[] = [
      { kind: 'Deployment', jsonPointers: ['/a'] },
      { group: 'apps', kind: 'Deploy*', name: 'web', jsonPointers: ['/b'] },
      { group: '', kind: 'Deployment', jsonPointers: ['/c'] },
      { kind: 'Deployment', namespace: 'other', jsonPointers: ['/d'] },
      { kind: '*', name: 'w*', namespace: 'shop', jsonPointers: ['/e'] },
    ];
    expect(rulesFor(rules, ref).map((r) => r.jsonPointers![0])).toEqual(['/a', '/b', '/e']);
    expect(
      rulesFor([{ kind: 'ClusterRole', namespace: 'x', jsonPointers: ['/a'] }], { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', name: 'r' }),
    ).toEqual([]);
  });
});

describe('managed fields', () => {
  it('turns fieldsV1 into paths: map keys, list items by key, set values, owned items', () => {
    const paths = fieldsOf({
      'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {} } } } } },
      'f:metadata': { 'f:finalizers': { 'v:"example.com/x"': {} } },
    });
    expect(paths).toEqual([
      ['spec', 'replicas'],
      ['spec', 'template', 'spec', 'containers', { key: { name: 'sidecar' } }],
      ['spec', 'template', 'spec', 'containers', { key: { name: 'sidecar' } }, 'image'],
      ['metadata', 'finalizers', { value: 'example.com/x' }],
    ]);
  });

  it("reads a matching manager's fields from the live object, never Flotilla's own or status", () => {
    const rules: IgnoreRule[] = [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['hpa-*', 'flotilla', 'kube-controller-manager'] }];
    expect(ignoredFields(rules, deployment(3), ref, hpaScaled(5), 'flotilla')).toEqual([['spec', 'replicas']]);
    expect(ignoredFields(rules, deployment(3), ref, undefined, 'flotilla')).toEqual([]);
  });

  it('adds the pointers of the object annotation, and refuses a bad one naming the annotation', () => {
    const annotated = deployment(3, 'web:1', { annotations: { 'flotilla.io/ignore-differences': '/spec/replicas, /metadata/labels/x' } });
    expect(ignoredFields([], annotated, ref, undefined, 'flotilla')).toEqual([
      ['spec', 'replicas'],
      ['metadata', 'labels', 'x'],
    ]);
    const bad = deployment(3, 'web:1', { annotations: { 'flotilla.io/ignore-differences': 'spec/replicas' } });
    expect(() => ignoredFields([], bad, ref, undefined, 'flotilla')).toThrow(/annotation flotilla.io\/ignore-differences: "spec\/replicas" is not a JSON pointer/);
  });
});

describe('applying an existing object', () => {
  it('leaves out a field another manager owns: that manager keeps it, Flotilla neither overwrites nor claims it', () => {
    const out = withoutIgnored(deployment(3, 'web:2'), hpaScaled(5), [['spec', 'replicas']], 'flotilla');
    expect(out.spec.replicas).toBeUndefined();
    expect(out.spec.template.spec.containers[0].image).toBe('web:2');
  });

  it('sends the live value of a field only Flotilla owns (leaving it out would delete it)', () => {
    const live = deployment(5);
    live.metadata.managedFields = [{ manager: 'flotilla', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
    expect(withoutIgnored(deployment(3), live, [['spec', 'replicas']], 'flotilla').spec.replicas).toBe(5);
  });

  it('leaves out what the live object lacks, and a map it empties', () => {
    const desired = deployment(3, 'web:1', { annotations: { 'flotilla.io/tracking-id': 'a:shop', 'example.com/x': 'git' }, labels: { only: 'this' } });
    const out = withoutIgnored(
      desired,
      deployment(3),
      [
        ['metadata', 'annotations', 'example.com/x'],
        ['metadata', 'labels'],
      ],
      'flotilla',
    );
    expect(out.metadata.annotations).toEqual({ 'flotilla.io/tracking-id': 'a:shop' });
    expect(out.metadata.labels).toBeUndefined();
    expect(out.metadata.name).toBe('web');
  });

  it('finds list items by their key in each object, wherever they are', () => {
    const desired = deployment(3);
    desired.spec.template.spec.containers = [
      { name: 'main', image: 'web:2' },
      { name: 'sidecar', image: 'git-sidecar' },
    ];
    const live = deployment(3);
    live.spec.template.spec.containers = [
      { name: 'sidecar', image: 'injected' },
      { name: 'main', image: 'web:1' },
    ];
    live.metadata.managedFields = [
      { manager: 'injector', operation: 'Update', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"sidecar"}': { 'f:image': {} } } } } } } },
    ];
    const fields = ignoredFields([{ kind: 'Deployment', managedFieldsManagers: ['injector'] }], desired, ref, live, 'flotilla');
    const out = withoutIgnored(desired, live, fields, 'flotilla');
    expect(out.spec.template.spec.containers).toEqual([{ name: 'main', image: 'web:2' }, { name: 'sidecar' }]);
    expect(ignoredChanges(desired, live, fields)).toEqual([{ path: 'spec.template.spec.containers[1].image', live: 'injected', desired: 'git-sidecar', ignored: true }]);
  });
});

describe('what the diff shows', () => {
  it('lists where git and the cluster differ on ignored fields, marked ignored; equal ones not at all', () => {
    expect(ignoredChanges(deployment(3), hpaScaled(5), [['spec', 'replicas']])).toEqual([{ path: 'spec.replicas', live: 5, desired: 3, ignored: true }]);
    expect(ignoredChanges(deployment(5), hpaScaled(5), [['spec', 'replicas']])).toEqual([]);
    expect(ignoredChanges(deployment(5), hpaScaled(5), [['spec', 'paused']])).toEqual([]);
  });
});
