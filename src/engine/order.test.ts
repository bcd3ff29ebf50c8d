import { describe, expect, it } from 'vitest';
import { applyGroups, applyOrder, Stage, stageOf, waveOf } from './order';
import { pruneCandidates, pruneOrder } from './prune';
import type { KubeObject } from './objects';

const obj = (apiVersion: string, kind: string, name: string, wave?: number): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(wave !== undefined ? { annotations: { 'flotilla.io/sync-wave': String(wave) } } : {}) },
});
const item = (o: KubeObject, namespaced: boolean) => ({ object: o, namespaced });
const names = (items: Array<{ object: KubeObject }>) => items.map((i) => `${i.object.kind}/${i.object.metadata.name}`);

describe('apply order', () => {
  it('puts CRDs, then Namespaces, then other cluster-scoped kinds, then namespaced kinds, and admission webhooks last', () => {
    const items = [
      item(obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'check'), false),
      item(obj('apps/v1', 'Deployment', 'web'), true),
      item(obj('example.com/v1', 'Widget', 'w'), true),
      item(obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'), false),
      item(obj('v1', 'Namespace', 'shop'), false),
      item(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'), false),
    ];
    expect(names(applyOrder(items))).toEqual([
      'CustomResourceDefinition/widgets.example.com',
      'Namespace/shop',
      'ClusterRole/reader',
      'Deployment/web',
      'Widget/w',
      'ValidatingWebhookConfiguration/check',
    ]);
    expect(items.map(stageOf)).toEqual([Stage.Admission, Stage.Namespaced, Stage.Namespaced, Stage.ClusterScoped, Stage.Namespaces, Stage.Crds]);
  });

  it('orders by sync wave inside a stage before the kind order, and by kind order before name', () => {
    const items = [
      item(obj('apps/v1', 'Deployment', 'a-early', -1), true),
      item(obj('v1', 'ConfigMap', 'z-late', 2), true),
      item(obj('apps/v1', 'Deployment', 'b'), true),
      item(obj('v1', 'Service', 'b'), true),
      item(obj('v1', 'ServiceAccount', 'b'), true),
      item(obj('v1', 'ConfigMap', 'a'), true),
      item(obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'b'), true),
      item(obj('rbac.authorization.k8s.io/v1', 'Role', 'b'), true),
    ];
    expect(names(applyOrder(items))).toEqual(['Deployment/a-early', 'ServiceAccount/b', 'ConfigMap/a', 'Role/b', 'RoleBinding/b', 'Service/b', 'Deployment/b', 'ConfigMap/z-late']);
  });

  it('groups consecutive objects of one stage, wave and kind for concurrent apply', () => {
    const groups = applyGroups([
      item(obj('v1', 'ConfigMap', 'b'), true),
      item(obj('v1', 'ConfigMap', 'a'), true),
      item(obj('apps/v1', 'Deployment', 'd'), true),
      item(obj('v1', 'ConfigMap', 'c', 1), true),
    ]);
    expect(groups.map(names)).toEqual([['ConfigMap/a', 'ConfigMap/b'], ['Deployment/d'], ['ConfigMap/c']]);
  });

  it('rejects a sync wave that is not an integer', () => {
    expect(waveOf(obj('v1', 'ConfigMap', 'x', -3))).toBe(-3);
    expect(() => waveOf({ ...obj('v1', 'ConfigMap', 'x'), metadata: { name: 'x', annotations: { 'flotilla.io/sync-wave': 'soon' } } })).toThrow(/must be an integer, not "soon"/);
  });
});

describe('prune order and candidates', () => {
  it('prunes in reverse apply order: workloads before config, namespaced before cluster-scoped', () => {
    const refs = [
      { group: '', version: 'v1', kind: 'Namespace', name: 'extra' },
      { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'c' },
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'n', name: 'd' },
      { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', name: 'r' },
    ];
    expect(pruneOrder(refs).map((r) => r.kind)).toEqual(['Deployment', 'ConfigMap', 'ClusterRole', 'Namespace']);
  });

  it('keeps what is still rendered (whatever its version) or retained, once each', () => {
    const a = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'n', name: 'a' };
    const b = { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'b' };
    const c = { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', name: 'c' };
    expect(pruneCandidates([a, b, b, c], [{ ...a, version: 'v1beta1' }], [c])).toEqual([b]);
  });
});
